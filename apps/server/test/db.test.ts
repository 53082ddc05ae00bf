import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase } from "../src/db";
import { isUniqueViolation } from "../src/db/errors";
import { applyMigrations, readMigrations } from "../src/db/migrate";
import {
  createTestDatabaseSpace,
  DATABASE_MODES,
  isModeAvailable,
  type TestDatabaseSpace,
} from "./support/databases";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`the database layer on ${mode}`, () => {
    let space: TestDatabaseSpace;

    beforeAll(async () => {
      space = await createTestDatabaseSpace(mode);
    });
    afterAll(() => space?.remove());

    test("opening an empty database applies every migration and records it as Prisma does", async () => {
      const db = await openDatabase(space.config);
      try {
        expect(db.mode).toBe(mode);
        const migrations = readMigrations();
        expect(await db.migrationStatus()).toEqual({
          current: true,
          applied: migrations.length,
          pending: [],
        });
        const rows = await db.prisma.$queryRaw<
          { migration_name: string; checksum: string; applied_steps_count: number }[]
        >`
          SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`;
        expect(rows).toEqual(
          migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1 })),
        );
      } finally {
        await db.close();
      }
    });

    test("a second open reuses the data and applies nothing again", async () => {
      const first = await openDatabase(space.config);
      const user = await first.prisma.user.create({
        data: { name: "Ada", email: `ada-${mode}@example.com` },
      });
      await first.close();

      const second = await openDatabase(space.config);
      try {
        expect(await second.prisma.user.findUnique({ where: { id: user.id } })).toMatchObject({
          name: "Ada",
        });
        const [count] = await second.prisma.$queryRaw<
          { n: number }[]
        >`SELECT count(*)::int AS n FROM _prisma_migrations`;
        expect(count?.n).toBe(readMigrations().length);
      } finally {
        await second.close();
      }
    });

    test("the Prisma CLI's migrate status agrees that the schema is current", async () => {
      const env =
        space.config.kind === "postgres"
          ? { DATABASE_URL: space.config.url }
          : { DATABASE_URL: "", GENIE_DATA_DIR: space.config.dataDir };
      const result = spawnSync(process.execPath, ["scripts/prisma.mjs", "migrate", "status"], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(result.stdout + result.stderr).toContain("Database schema is up to date");
      expect(result.status).toBe(0);
    }, 130_000);

    test("a migration edited after it was applied stops the start with a clear error", async () => {
      const db = await openDatabase(space.config);
      await db.close();
      const [first, ...rest] = readMigrations();
      if (!first) throw new Error("no migrations");
      const edited = [{ ...first, sql: `${first.sql}\n-- edited`, checksum: "0".repeat(64) }, ...rest];
      const reopened = await openDatabaseWithRunner(space);
      try {
        await expect(applyMigrations(reopened.runner, edited)).rejects.toThrow(
          `migration ${first.name} was edited after it was applied`,
        );
      } finally {
        await reopened.close();
      }
    });

    test("the schema enforces what the code relies on: one contact per idempotency key and project", async () => {
      const db = await openDatabase(space.config);
      try {
        const user = await db.prisma.user.create({ data: { name: "Bo", email: `bo-${mode}@example.com` } });
        const project = await db.prisma.funnelProject.create({ data: { userId: user.id, name: "Launch" } });
        const contact = {
          userId: user.id,
          funnelProjectId: project.id,
          email: "v@example.com",
          idempotencyKey: "k1",
        };
        await db.prisma.contact.create({ data: contact });
        const repeat = await db.prisma.contact.create({ data: contact }).catch((error: unknown) => error);
        expect(isUniqueViolation(repeat)).toBe(true);
        // Without a key, repeats are separate registrations.
        await db.prisma.contact.create({ data: { ...contact, idempotencyKey: null } });
        await db.prisma.contact.create({ data: { ...contact, idempotencyKey: null } });
        expect(await db.prisma.contact.count({ where: { funnelProjectId: project.id } })).toBe(3);
      } finally {
        await db.close();
      }
    });
  });
}

/** A bare SQL connection to an already created test database, for driving the migrator directly. */
async function openDatabaseWithRunner(space: TestDatabaseSpace) {
  if (space.config.kind === "postgres") {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: space.config.url });
    await client.connect();
    return {
      runner: {
        query: async <Row>(sql: string, params?: unknown[]) =>
          (await client.query(sql, params)).rows as Row[],
        exec: async (sql: string) => void (await client.query(sql)),
      },
      close: () => client.end(),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(`${space.config.dataDir}/pglite`);
  return {
    runner: {
      query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query(sql, params)).rows as Row[],
      exec: async (sql: string) => void (await pglite.exec(sql)),
    },
    close: () => pglite.close(),
  };
}
