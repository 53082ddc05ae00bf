import type { EndpointHealth } from "@genie/schemas";
import type { Database } from "../db";

type HealthRow = {
  endpoint_id: string;
  last_success_at: Date | string | null;
  last_failure_at: Date | string | null;
  last_error: string | null;
  failures_in_a_row: number;
  attempts_24h: number;
  succeeded_24h: number;
};

/**
 * Health of every endpoint of an account, from its delivery attempts (`webhook_logs` rows that belong
 * to a delivery; test sends have none). Each lateral subquery walks the (endpoint_id, created_at)
 * index of one endpoint only.
 */
export async function endpointHealth(db: Database, userId: string): Promise<EndpointHealth[]> {
  const rows = await db.sql.query<HealthRow>(
    `SELECT e.id::text AS endpoint_id, s.at AS last_success_at, f.at AS last_failure_at, f.error AS last_error,
            r.failures AS failures_in_a_row, d.attempts AS attempts_24h, d.succeeded AS succeeded_24h
     FROM webhook_endpoints e
     LEFT JOIN LATERAL (
       SELECT max(created_at) AS at FROM webhook_logs
       WHERE endpoint_id = e.id AND delivery_id IS NOT NULL AND success) s ON true
     LEFT JOIN LATERAL (
       SELECT created_at AS at, error_message AS error FROM webhook_logs
       WHERE endpoint_id = e.id AND delivery_id IS NOT NULL AND NOT success
       ORDER BY created_at DESC LIMIT 1) f ON true
     LEFT JOIN LATERAL (
       SELECT count(*)::int AS failures FROM webhook_logs
       WHERE endpoint_id = e.id AND delivery_id IS NOT NULL AND NOT success
         AND created_at > coalesce(s.at, '-infinity'::timestamptz)) r ON true
     LEFT JOIN LATERAL (
       SELECT count(*)::int AS attempts, (count(*) FILTER (WHERE success))::int AS succeeded
       FROM webhook_logs
       WHERE endpoint_id = e.id AND delivery_id IS NOT NULL AND created_at >= now() - interval '24 hours') d ON true
     WHERE e.user_id = $1::uuid
     ORDER BY e.created_at, e.id`,
    [userId],
  );
  return rows.map((row) => ({
    endpointId: row.endpoint_id,
    lastSuccessAt: row.last_success_at === null ? null : new Date(row.last_success_at),
    lastFailureAt: row.last_failure_at === null ? null : new Date(row.last_failure_at),
    failuresInARow: row.failures_in_a_row,
    lastError: row.last_error,
    attempts24h: row.attempts_24h,
    successRate24h: row.attempts_24h === 0 ? null : row.succeeded_24h / row.attempts_24h,
  }));
}
