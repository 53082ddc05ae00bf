import { createHash, randomUUID } from "node:crypto";
import { createMemoryRateLimitStore, type RateLimitStore } from "./auth/rate-limit";
import type { Database, SqlRunner } from "./db";

/** "At most N at once": slots of a key, each held until given back (or, on PostgreSQL, expired). */
export type LeaseStore = {
  /**
   * Takes one of the `max` slots of `key`, or answers null when all are held. Call the result once
   * done; it resolves when the slot is free for others (calling it again does nothing).
   */
  acquire(key: string, max: number): Promise<(() => Promise<void>) | null>;
};

/**
 * Where limits are counted: per-window counters (`windows`, the sign-in limits and the per-minute
 * account limits) and "at most N at once" slots (`leases`). On PostgreSQL both live in the database,
 * so every API process counts against the same numbers; on the embedded database (one process) they
 * live in memory.
 */
export type LimitStore = { windows: RateLimitStore; leases: LeaseStore };

/** The limit store for a database: shared in PostgreSQL, in this process's memory on PGlite. */
export function limitStoreFor(db: Pick<Database, "mode" | "sql">): LimitStore {
  return db.mode === "postgres" ? createPostgresLimitStore(db.sql) : createMemoryLimitStore();
}

/** Counters and slots in this process's memory. */
export function createMemoryLimitStore(): LimitStore {
  const held = new Map<string, number>();
  return {
    windows: createMemoryRateLimitStore(),
    leases: {
      async acquire(key, max) {
        const current = held.get(key) ?? 0;
        if (current >= max) return null;
        held.set(key, current + 1);
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          const count = (held.get(key) ?? 1) - 1;
          if (count > 0) held.set(key, count);
          else held.delete(key);
        };
      },
    },
  };
}

export type PostgresLimitOptions = {
  /**
   * How long a lease holds without renewal: a process that dies holding one (a crash, a kill -9)
   * blocks its slot at most this long. Leases in use are renewed at a third of it. @default 60_000
   */
  leaseMs?: number;
  /** One call in this many also deletes windows that ended an hour ago and empty lease rows. @default 500 */
  sweepEvery?: number;
};

const CONSUME = `
  INSERT INTO limit_windows AS w (key, count, reset_at)
  VALUES ($1, 1, now() + make_interval(secs => $2))
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN w.reset_at <= now() THEN 1 ELSE least(w.count + 1, 2147483647) END,
    reset_at = CASE WHEN w.reset_at <= now() THEN EXCLUDED.reset_at ELSE w.reset_at END
  RETURNING count, greatest(1, ceil(extract(epoch FROM reset_at - now())))::int AS retry_after`;

// Expired holders are dropped and the new one added in the same row update, which PostgreSQL runs
// under the row's lock on its latest version: two processes racing for the last slot cannot both win.
const ACQUIRE = `
  INSERT INTO limit_leases AS l (key, holders, updated_at)
  VALUES ($1, jsonb_build_object($2::text, extract(epoch FROM now()) * 1000 + $4), now())
  ON CONFLICT (key) DO UPDATE SET
    holders = (
      SELECT coalesce(jsonb_object_agg(h.key, h.value), '{}'::jsonb) FROM jsonb_each(l.holders) AS h
      WHERE (h.value)::float8 > extract(epoch FROM now()) * 1000
    ) || EXCLUDED.holders,
    updated_at = now()
  WHERE (
    SELECT count(*) FROM jsonb_each(l.holders) AS h WHERE (h.value)::float8 > extract(epoch FROM now()) * 1000
  ) < $3
  RETURNING 1 AS taken`;

const RENEW = `
  UPDATE limit_leases SET holders = jsonb_set(holders, ARRAY[$2::text], to_jsonb(extract(epoch FROM now()) * 1000 + $3))
  WHERE key = $1 AND holders ? $2`;

const RELEASE = "UPDATE limit_leases SET holders = holders - $2::text, updated_at = now() WHERE key = $1";

/**
 * Counters and slots in PostgreSQL's `limit_windows` and `limit_leases` (UNLOGGED tables): one atomic
 * statement per check, so several API processes share each limit exactly. Keys are stored as hashes:
 * the sign-in limit's keys hold email addresses.
 */
export function createPostgresLimitStore(sql: SqlRunner, options: PostgresLimitOptions = {}): LimitStore {
  const leaseMs = options.leaseMs ?? 60_000;
  const sweepEvery = options.sweepEvery ?? 500;
  let calls = 0;
  const sweepSometimes = () => {
    if (++calls % sweepEvery !== 0) return;
    // Best effort: a failed sweep leaves rows for the next one.
    void sql
      .exec(
        "DELETE FROM limit_windows WHERE reset_at < now() - interval '1 hour'; " +
          "DELETE FROM limit_leases WHERE holders = '{}'::jsonb AND updated_at < now() - interval '1 hour'",
      )
      .catch(() => {});
  };

  return {
    windows: {
      async consume(key, { window, max }) {
        sweepSometimes();
        const [row] = await sql.query<{ count: number; retry_after: number }>(CONSUME, [hashed(key), window]);
        const count = Number(row?.count ?? 0);
        return count <= max
          ? { allowed: true, retryAfter: null }
          : { allowed: false, retryAfter: Number(row?.retry_after ?? window) };
      },
      async reset(key) {
        await sql.query("DELETE FROM limit_windows WHERE key = $1", [hashed(key)]);
      },
    },
    leases: {
      async acquire(key, max) {
        sweepSometimes();
        const stored = hashed(key);
        const id = randomUUID();
        const taken = await sql.query(ACQUIRE, [stored, id, max, leaseMs]);
        if (taken.length === 0) return null;
        // Renewed while held, so a long CSV export keeps its slot; a dead process stops renewing.
        const renewal = setInterval(
          () => void sql.query(RENEW, [stored, id, leaseMs]).catch(() => {}),
          Math.max(10, Math.floor(leaseMs / 3)),
        );
        renewal.unref();
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          clearInterval(renewal);
          // If this fails (the database went away) the lease expires on its own.
          await sql.query(RELEASE, [stored, id]).catch(() => {});
        };
      },
    },
  };
}

function hashed(key: string): string {
  return createHash("sha256").update(key).digest("base64url");
}
