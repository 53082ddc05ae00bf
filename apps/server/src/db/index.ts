import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite, PGliteOptions } from "@electric-sql/pglite";
import pg from "pg";
import type { Config } from "../config";
import { PrismaClient } from "../generated/prisma/client";
import { acquireDataDirLock } from "./data-dir-lock";
import type { KeyRing } from "./encryption";
import { storageTrouble } from "./errors";
import { applyMigrations, type MigrationStatus, migrationStatus, type SqlRunner } from "./migrate";
import { keyRingOf, resealEndpoints } from "./reseal";

export type { KeyRing, SqlRunner };

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
  /**
   * The delivery worker's connections (a pool of their own on PostgreSQL; the one session on PGlite).
   * Every worker statement touches a batch of rows by key, or the head of the due-deliveries index,
   * so these connections plan without bitmap scans, hash or merge joins. The planner's estimate of
   * "pending" rows comes from statistics taken while few were pending (a fresh table, or any table
   * before autovacuum's next ANALYZE); with a backlog it then read every pending row per claim and per
   * record (a bitmap scan, or a hash join over one): 20,000 queued made a claim of 64 read 21,500 index
   * entries (14 ms instead of 0.2 ms), most of PostgreSQL's time in `bench throughput`.
   */
  workerSql: SqlRunner;
  mode: DatabaseMode;
  /** Seals endpoint secrets and custom header values before they are written (db/encryption.ts). */
  keys: KeyRing;
  /** Whether the schema had every migration this build knows, checked once when the database opened. */
  migrationStatus(): Promise<MigrationStatus>;
  /**
   * A new connection outside the pool, for a session that must live as long as its owner (the
   * delivery worker's liveness lock and LISTEN). PostgreSQL only: PGlite is one process, one session.
   */
  connect?: () => pg.Client;
  /** Each pool's connections now (PostgreSQL only: PGlite has one session), for /metrics. */
  poolStats?: () => Record<"main" | "worker", PoolStats>;
  /** Resolves once the database answers a trivial query; rejects when it cannot be reached. */
  ping(): Promise<void>;
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
  const db = config.kind === "postgres" ? await openPostgres(config.url) : await openPGlite(config.dataDir);
  try {
    // Rows written before encryption at rest (or by an older process) are sealed now: a migration
    // cannot do it, it does not know the key. Cheap when there is nothing to do (one scan of endpoints).
    const keys = keyRingOf(config);
    await resealEndpoints(db.sql, keys);
    const migrations = await migrationStatus(db.sql);
    return { ...db, keys, migrationStatus: async () => migrations };
  } catch (error) {
    await db.close();
    const where =
      config.kind === "postgres"
        ? `PostgreSQL at ${describeUrl(config.url)}`
        : `the embedded database in ${config.dataDir}`;
    throw new DatabaseUnavailableError(`cannot open ${where}: ${reason(error)}`, { cause: error });
  }
}

type OpenedDatabase = Omit<Database, "keys" | "migrationStatus">;

async function openPostgres(url: string): Promise<OpenedDatabase> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 5000, max: 10 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const runner = poolRunner(pool);
  // Its own pool also keeps the worker's statements from queueing behind the dashboard's.
  const workerPool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    max: 4,
    options: "-c enable_bitmapscan=off -c enable_hashjoin=off -c enable_mergejoin=off",
  });
  workerPool.on("error", () => {});
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
    await workerPool.end();
    throw new DatabaseUnavailableError(`cannot open PostgreSQL at ${describeUrl(url)}: ${reason(error)}`, {
      cause: error,
    });
  }
  // Each database's driver adapter is loaded only where it is used: PGlite's alone is megabytes of
  // JavaScript a PostgreSQL process would hold for nothing.
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    sql: runner,
    workerSql: poolRunner(workerPool),
    mode: "postgres",
    connect: () => new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 }),
    poolStats: () => ({ main: statsOf(pool), worker: statsOf(workerPool) }),
    ping: async () => void (await pool.query("SELECT 1")),
    async close() {
      await prisma.$disconnect();
      await pool.end();
      await workerPool.end();
    },
  };
}

/**
 * Genie's data folder holds the PGlite database in `pglite/`, the pid file that guards it, and the
 * generated secrets (`auth-secret`, `encryption-key`). It is private to its user: the folder 0700 and
 * what is in it 0600 (0700 for folders), whatever the umask was when they were made.
 */
async function openPGlite(dataDir: string): Promise<OpenedDatabase> {
  let lock: { release(): void } | undefined;
  try {
    makeDataDir(dataDir);
    // PGlite is a single-process database: a second process on the same folder would corrupt it.
    lock = acquireDataDirLock(dataDir);
    const pglite = await openOrBuildPGlite(dataDir);
    makePrivate(dataDir);
    const runner = pgliteRunner(pglite);
    await applyMigrations(runner);
    const { PrismaPGlite } = await import("pglite-prisma-adapter");
    // biome-ignore lint/suspicious/noExplicitAny: pglite-prisma-adapter's types lag Prisma 6.19.
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) as any });
    return {
      prisma,
      sql: runner,
      workerSql: runner,
      mode: "pglite",
      ping: async () => void (await pglite.query("SELECT 1")),
      async close() {
        await prisma.$disconnect();
        await pglite.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    const why = storageTrouble(error) ?? diskFull(dataDir) ?? reason(error);
    throw new DatabaseUnavailableError(`cannot open the embedded database in ${dataDir}: ${why}`, {
      cause: error,
    });
  }
}

export type PoolStats = { total: number; idle: number; waiting: number };

function statsOf(pool: pg.Pool): PoolStats {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

function poolRunner(pool: pg.Pool): SqlRunner {
  return {
    query: async (sql, params) =>
      (await pool.query({ name: preparedName(sql), text: sql, values: params })).rows,
    exec: async (sql) => void (await pool.query(sql)),
  };
}

function pgliteRunner(pglite: PGlite): SqlRunner {
  return {
    query: async (sql, params) => (await pglite.query(sql, params)).rows as never,
    exec: async (sql) => void (await pglite.exec(sql)),
  };
}

/**
 * The database in `pglite/`. A new one is built and migrated in `pglite.partial/` first and renamed
 * into place once complete, so a first start that fails half-way (a full disk, say) leaves nothing a
 * later start would try to open: it starts over.
 */
async function openOrBuildPGlite(dataDir: string): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  const options = { wasmModule: await pgliteModule() };
  const final = path.join(dataDir, "pglite");
  if (!exists(final)) {
    const partial = path.join(dataDir, "pglite.partial");
    rmSync(partial, { recursive: true, force: true });
    const building = await PGlite.create(partial, options);
    try {
      await applyMigrations(pgliteRunner(building));
    } finally {
      await building.close();
    }
    renameSync(partial, final);
  }
  return PGlite.create(final, options);
}

/**
 * PGlite's shared buffers, in MB. PGlite 0.3 starts PostgreSQL with `shared_buffers=128MB` written
 * into its WebAssembly binary (its `postgresql.conf` and `ALTER SYSTEM` are not read), and
 * Emscripten zeroes the whole shared memory segment at start, so all of it is resident from the first
 * second and never given back: measured 277 MiB resident after opening against 193 MiB at 32 MB.
 * 32 MB still caches a small account's working set; the file system's cache holds the rest.
 */
export const PGLITE_SHARED_BUFFERS_MB = 32;

type WasmModule = NonNullable<PGliteOptions["wasmModule"]>;
// Node's global WebAssembly, which this project's TypeScript libraries (no DOM) do not declare.
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };
};

let compiledPGlite: Promise<WasmModule | undefined> | undefined;

/**
 * PGlite's WebAssembly module with its startup's `shared_buffers` set to PGLITE_SHARED_BUFFERS_MB,
 * compiled once per process and passed to PGlite as `wasmModule`. `undefined` (PGlite's own module,
 * 128 MB) when the binary does not hold the setting where 0.3.16 does: a test checks the value.
 */
function pgliteModule(): Promise<WasmModule | undefined> {
  compiledPGlite ??= (async () => {
    const file = fileURLToPath(new URL("./pglite.wasm", import.meta.resolve("@electric-sql/pglite")));
    const bytes = readFileSync(file);
    const builtIn = Buffer.from("shared_buffers=128MB\0");
    const at = bytes.indexOf(builtIn);
    if (at === -1) return undefined;
    // Same length, NUL-padded: the C string ends earlier, nothing else in the binary moves.
    const ours = Buffer.alloc(builtIn.length);
    ours.write(`shared_buffers=${PGLITE_SHARED_BUFFERS_MB}MB`);
    ours.copy(bytes, at);
    return wasm.compile(bytes);
  })();
  return compiledPGlite;
}

function makeDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // A recursive mkdir on a read-only disk reports ENOENT; a plain one says why (EROFS).
    if ((error as NodeJS.ErrnoException).code === "ENOENT") mkdirSync(dataDir, { mode: 0o700 });
    throw error;
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Below this much free space, a failure of PGlite's WASM file system (an opaque "Aborted()") is a full disk. */
const LOW_SPACE_BYTES = 64 * 1024 * 1024;

function diskFull(dataDir: string): string | undefined {
  try {
    const { bavail, bsize } = statfsSync(dataDir);
    const free = bavail * bsize;
    if (free >= LOW_SPACE_BYTES) return undefined;
    return `the disk is full (${Math.floor(free / 1024 / 1024)} MiB free): free some space and start again`;
  } catch {
    return undefined;
  }
}

/** Folders 0700 and files 0600 under (and including) `dir`. */
function makePrivate(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) makePrivate(file);
    else if (entry.isFile()) chmodSync(file, 0o600);
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

/** What went wrong, in one line, with what to do when it is the machine's to fix. */
function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  const trouble = storageTrouble(error);
  if (trouble) return trouble;
  const e = error as { code?: string; message?: string };
  return [e.code, e.message?.split("\n")[0]].filter(Boolean).join(" ") || String(error);
}
