import type { SqlRunner } from "../db";

export type AutoDisableOptions = {
  /** How long every delivery attempt must have failed before the endpoint is disabled. @default 72 h */
  afterMs?: number;
  /** How often endpoints are checked. @default 5 min */
  everyMs?: number;
  /** A failed round is reported here and the next round tries again. @default console.error */
  onError?: (error: unknown) => void;
};

const HOUR = 3_600_000;

/**
 * Disables every enabled endpoint whose delivery attempts have all failed for at least `afterMs`:
 * its first failure since its last success (or since it was last edited or re-enabled, so a fix gets
 * a fresh span) is older than that, and it is still failing (a failure within the span). Test sends
 * do not count. Pending deliveries stay pending and resume when the endpoint is re-enabled.
 * Idempotent, so any number of processes may run it.
 */
export async function disableFailingEndpoints(sql: SqlRunner, afterMs: number): Promise<string[]> {
  const hours = Math.round((afterMs / HOUR) * 10) / 10;
  const rows = await sql.query<{ id: string }>(
    `WITH candidates AS (
       SELECT e.id, greatest(e.updated_at, (
         SELECT max(s.created_at) FROM webhook_logs s
         WHERE s.endpoint_id = e.id AND s.success AND s.delivery_id IS NOT NULL)) AS since
       FROM webhook_endpoints e WHERE e.enabled
     )
     UPDATE webhook_endpoints e
     SET enabled = false, disabled_at = now(), updated_at = now(),
         disabled_reason = 'Every delivery failed for ' || $2::text || ' hours, so delivery was stopped on '
           || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC. Fix the receiver, then re-enable.'
     FROM candidates c
     WHERE e.id = c.id AND e.enabled
       AND EXISTS (SELECT 1 FROM webhook_logs f WHERE f.endpoint_id = c.id AND f.delivery_id IS NOT NULL
                   AND NOT f.success AND f.created_at > c.since
                   AND f.created_at <= now() - $1::int * interval '1 millisecond')
       AND EXISTS (SELECT 1 FROM webhook_logs f WHERE f.endpoint_id = c.id AND f.delivery_id IS NOT NULL
                   AND NOT f.success AND f.created_at > now() - $1::int * interval '1 millisecond')
     RETURNING e.id::text`,
    [afterMs, String(hours)],
  );
  return rows.map((row) => row.id);
}

/** Runs the check every `everyMs` in the background; `stop()` ends it. A failed round is reported, not fatal. */
export function startAutoDisable(sql: SqlRunner, options: AutoDisableOptions = {}) {
  const afterMs = options.afterMs ?? 72 * HOUR;
  const onError = options.onError ?? ((error: unknown) => console.error("genie auto-disable:", error));
  const timer = setInterval(
    () => {
      disableFailingEndpoints(sql, afterMs).catch(onError);
    },
    options.everyMs ?? 5 * 60_000,
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
