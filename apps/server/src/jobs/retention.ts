import type { SqlRunner } from "../db";
import { IDEMPOTENCY_KEY_TTL_MS } from "../services/idempotency";

const DAY_MS = 86_400_000;

export type RetentionOptions = {
  /** Logs and finished deliveries' bodies older than this many days are removed. */
  retentionDays: number;
  /** The clock (injected by tests). @default new Date() */
  now?: Date;
  /** Rows one statement touches: short statements, short locks, little for autovacuum at a time. @default 1000 */
  batchSize?: number;
  /** Statements one pass runs at most, so a large backlog is worked off over several passes. @default 1000 */
  maxBatches?: number;
};

/**
 * One retention pass: deletes attempt logs older than the window, Idempotency-Keys past their
 * IDEMPOTENCY_KEY_TTL_MS (a call that reuses one deletes it too; these are the ones never reused),
 * and removes the bodies finished
 * deliveries completed before it still hold, in small batches: a delivery drops its body when its
 * outcome is recorded or it is cancelled (it is rebuilt from the contact), so these are those
 * finished before bodies were rebuilt. Pending
 * deliveries are never touched, whatever their age; contacts are kept (they are the owner's leads)
 * unless erased; delivery rows stay, without their body, so counts and statuses survive and a
 * redelivery can say why it is not possible. The same plain statements on PostgreSQL and PGlite.
 */
export async function runRetention(sql: SqlRunner, options: RetentionOptions) {
  const now = (options.now ?? new Date()).getTime();
  const cutoff = new Date(now - options.retentionDays * DAY_MS);
  const keysCutoff = new Date(now - IDEMPOTENCY_KEY_TTL_MS);
  const batchSize = options.batchSize ?? 1000;
  const maxBatches = options.maxBatches ?? 1000;
  const removed = { logs: 0, bodies: 0, idempotencyKeys: 0 };
  for (let batch = 0; batch < maxBatches; batch++) {
    const logs = await sql.query(
      `DELETE FROM webhook_logs WHERE id IN (
         SELECT id FROM webhook_logs WHERE created_at < $1::timestamptz LIMIT $2::int)
       RETURNING 1`,
      [cutoff.toISOString(), batchSize],
    );
    const bodies = await sql.query(
      `UPDATE webhook_deliveries SET body = NULL WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE status <> 'pending' AND completed_at < $1::timestamptz AND body IS NOT NULL
         LIMIT $2::int FOR UPDATE SKIP LOCKED)
       RETURNING 1`,
      [cutoff.toISOString(), batchSize],
    );
    // No index on created_at: the table holds a day of API create calls, read whole once an hour.
    const keys = await sql.query(
      `DELETE FROM idempotency_keys WHERE (user_id, procedure, key) IN (
         SELECT user_id, procedure, key FROM idempotency_keys WHERE created_at < $1::timestamptz
         LIMIT $2::int)
       RETURNING 1`,
      [keysCutoff.toISOString(), batchSize],
    );
    removed.logs += logs.length;
    removed.bodies += bodies.length;
    removed.idempotencyKeys += keys.length;
    if (Math.max(logs.length, bodies.length, keys.length) < batchSize) break;
  }
  return removed;
}

/** Runs a pass every `everyMs` in the background (the first one soon after start); `stop()` ends it. */
export function startRetention(
  sql: SqlRunner,
  options: { retentionDays: number; everyMs?: number; onError: (error: unknown) => void },
) {
  let busy = false;
  const pass = () => {
    // One pass at a time: a slow one is not overlapped by the next.
    if (busy) return;
    busy = true;
    void runRetention(sql, options)
      .catch(options.onError)
      .finally(() => {
        busy = false;
      });
  };
  const first = setTimeout(pass, 10_000);
  const timer = setInterval(pass, options.everyMs ?? 3_600_000);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
