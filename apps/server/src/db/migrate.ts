import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The smallest surface both database drivers offer (node-postgres and PGlite): enough to apply
 * migrations at start without the Prisma CLI, which cannot reach an in-process PGlite database.
 */
export interface SqlRunner {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<void>;
}

export type Migration = { name: string; sql: string; checksum: string };

export type MigrationStatus = { current: boolean; applied: number; pending: string[] };

/**
 * The repository's `prisma/migrations`, found by walking up from this module: the same folder whether
 * the server runs from source (src/db/) or from its build (dist/).
 */
export const MIGRATIONS_DIR = findUp(path.join("prisma", "migrations"), fileURLToPath(import.meta.url));

function findUp(relative: string, from: string): string {
  for (let dir = path.dirname(from); ; ) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no ${relative} folder above ${from}`);
    dir = parent;
  }
}

/** The advisory lock key the Prisma CLI takes while migrating: we take the same one, so they exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369;

/** The migrations `prisma migrate dev` wrote, oldest first, with the checksum Prisma records (sha256 of the file). */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

type AppliedRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

/**
 * Applies the migrations not yet applied, each in its own transaction, and records them in Prisma's
 * `_prisma_migrations` table exactly as `prisma migrate deploy` would, so `prisma migrate status`
 * agrees. Safe to call from several processes at once: they queue on Prisma's advisory lock.
 */
export async function applyMigrations(db: SqlRunner, migrations = readMigrations()): Promise<string[]> {
  await db.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
  try {
    await db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const applied = await appliedMigrations(db);
    checkHistory(applied, migrations);
    const done = new Set(applied.map((row) => row.migration_name));
    const newlyApplied: string[] = [];
    for (const migration of migrations.filter((m) => !done.has(m.name))) {
      await db.exec("BEGIN");
      try {
        await db.exec(migration.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await db.exec("COMMIT");
      } catch (error) {
        await db.exec("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      newlyApplied.push(migration.name);
    }
    return newlyApplied;
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]);
  }
}

/** Whether the database has every migration this build knows, for /healthz. */
export async function migrationStatus(
  db: SqlRunner,
  migrations = readMigrations(),
): Promise<MigrationStatus> {
  const applied = new Set((await appliedMigrations(db)).map((row) => row.migration_name));
  const pending = migrations.map((m) => m.name).filter((name) => !applied.has(name));
  return { current: pending.length === 0, applied: applied.size, pending };
}

async function appliedMigrations(db: SqlRunner): Promise<AppliedRow[]> {
  const [table] = await db.query<{ exists: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
  );
  if (!table?.exists) return [];
  return db.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"
     WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
}

/** Refuses to build on a history that differs from ours, as `prisma migrate deploy` does. */
function checkHistory(applied: AppliedRow[], migrations: Migration[]): void {
  const known = new Map(migrations.map((m) => [m.name, m]));
  for (const row of applied) {
    if (!row.finished_at) {
      throw new Error(
        `migration ${row.migration_name} failed earlier and was never finished: resolve it with prisma migrate resolve`,
      );
    }
    const migration = known.get(row.migration_name);
    if (migration && migration.checksum !== row.checksum) {
      throw new Error(`migration ${row.migration_name} was edited after it was applied (checksum differs)`);
    }
  }
}
