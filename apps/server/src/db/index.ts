import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { Config } from "../config";
import { PrismaClient } from "../generated/prisma/client";
import { acquireDataDirLock } from "./data-dir-lock";
import { applyMigrations, type MigrationStatus, migrationStatus, type SqlRunner } from "./migrate";

export type { SqlRunner };

export type DatabaseMode = "pglite" | "postgres";

/**
 * The one way into the database for the whole server. `prisma` for everything the dashboard reads and
 * writes; `sql` (the driver itself, node-postgres or PGlite) for the few hot statements of intake and
 * delivery, where Prisma's per-query cost (measured: a findFirst at ~2,900/s against ~56,000/s for the
 * driver on 2 cores) would cap the whole pipeline.
 */
export type Database = {
  prisma: PrismaClient;
  sql: SqlRunner;
  mode: DatabaseMode;
  migrationStatus(): Promise<MigrationStatus>;
  /**
   * A new connection outside the pool, for a session that must live as long as its owner (the
   * delivery worker's liveness lock and LISTEN). PostgreSQL only: PGlite is one process, one session.
   */
  connect?: () => pg.Client;
  close(): Promise<void>;
};

/** The database cannot be opened: the process prints the message and exits 1. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/**
 * Opens the database the configuration names and brings its schema up to date: PostgreSQL through
 * node-postgres when DATABASE_URL is set, else PGlite (PostgreSQL compiled to WASM) in this process.
 */
export async function openDatabase(config: Config["database"]): Promise<Database> {
  return config.kind === "postgres" ? openPostgres(config.url) : openPGlite(config.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 5000, max: 10 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const runner: SqlRunner = {
    query: async (sql, params) =>
      (await pool.query({ name: preparedName(sql), text: sql, values: params })).rows,
    exec: async (sql) => void (await pool.query(sql)),
  };
  try {
    // Migrations need one session: the advisory lock and each BEGIN…COMMIT live on a connection.
    const client = await pool.connect();
    try {
      await applyMigrations({
        query: async (sql, params) => (await client.query(sql, params)).rows,
        exec: async (sql) => void (await client.query(sql)),
      });
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new DatabaseUnavailableError(`cannot open PostgreSQL at ${describeUrl(url)}: ${reason(error)}`, {
      cause: error,
    });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    sql: runner,
    mode: "postgres",
    migrationStatus: () => migrationStatus(runner),
    connect: () => new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 }),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Genie's data folder holds the PGlite database in `pglite/` and the pid file that guards it. */
async function openPGlite(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  let lock: { release(): void } | undefined;
  try {
    // PGlite is a single-process database: a second process on the same folder would corrupt it.
    lock = acquireDataDirLock(dataDir);
    const pglite = await PGlite.create(path.join(dataDir, "pglite"));
    const runner: SqlRunner = {
      query: async (sql, params) => (await pglite.query(sql, params)).rows as never,
      exec: async (sql) => void (await pglite.exec(sql)),
    };
    await applyMigrations(runner);
    // biome-ignore lint/suspicious/noExplicitAny: pglite-prisma-adapter's types lag Prisma 6.19.
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) as any });
    return {
      prisma,
      sql: runner,
      mode: "pglite",
      migrationStatus: () => migrationStatus(runner),
      async close() {
        await prisma.$disconnect();
        await pglite.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw new DatabaseUnavailableError(`cannot open the embedded database in ${dataDir}: ${reason(error)}`, {
      cause: error,
    });
  }
}

const preparedNames = new Map<string, string>();
const MAX_PREPARED = 200;

/**
 * A prepared-statement name for a statement text, so PostgreSQL parses and plans each of the hot
 * statements once per connection instead of on every call (measured: the intake insert goes from
 * ~3,400/s to ~7,100/s). Only the first MAX_PREPARED distinct texts are prepared; the rest run unnamed.
 */
function preparedName(sql: string): string | undefined {
  let name = preparedNames.get(sql);
  if (!name && preparedNames.size < MAX_PREPARED) {
    name = `genie_${preparedNames.size}`;
    preparedNames.set(sql, name);
  }
  return name;
}

/** host:port/database, never the password. */
function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  const e = error as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(" ") || String(error);
}
