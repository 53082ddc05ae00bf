import type { StatsQuery, StatsView } from "@genie/schemas";
import { DELIVERY_STATUSES } from "@genie/schemas";
import type { Database } from "../db";
import { sqlParams } from "../db/sql";

type BucketRow = {
  at: Date | string;
  attempts: number;
  succeeded: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
};

/**
 * Chart data for [from, to): delivery attempts, successes and latency percentiles per hour or day of
 * the viewer's time zone (empty buckets included, so a chart's x axis is continuous), overall totals,
 * deliveries by status, and the deliveries pending right now. Test sends are not traffic: they belong
 * to no delivery and are left out of every figure.
 */
export async function overview(db: Database, userId: string, query: StatsQuery): Promise<StatsView> {
  const p = sqlParams();
  const user = p.add(userId);
  const from = p.add(query.from);
  const to = p.add(query.to);
  const endpoint = query.endpointId ? `AND endpoint_id = ${p.add(query.endpointId)}::uuid` : "";
  const inRange = `user_id = ${user}::uuid AND created_at >= ${from}::timestamptz AND created_at < ${to}::timestamptz ${endpoint}`;
  // Test sends are the webhook.test event (and belong to no delivery); attempts of a deleted
  // endpoint's deliveries lose their delivery link but stay traffic.
  const attemptsInRange = `${inRange} AND event_type <> 'webhook.test'`;
  // The totals and status counts use the range's parameters only; the series adds the bucket unit.
  const rangeValues = [...p.values];
  const unit = p.add(query.bucket);
  const zone = p.add(query.timeZone);
  const measures = `count(*)::int AS attempts, (count(*) FILTER (WHERE success))::int AS succeeded,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99`;

  const series = await db.sql.query<BucketRow>(
    `WITH buckets AS (
       -- Stepped in the zone's wall-clock time, so a day is a day across daylight-saving changes.
       SELECT g AT TIME ZONE ${zone} AS at
       FROM generate_series(date_trunc(${unit}, ${from}::timestamptz, ${zone}) AT TIME ZONE ${zone},
                            (${to}::timestamptz - interval '1 microsecond') AT TIME ZONE ${zone},
                            ('1 ' || ${unit})::interval) g
     ), measured AS (
       SELECT date_trunc(${unit}, created_at, ${zone}) AS at, ${measures}
       FROM webhook_logs WHERE ${attemptsInRange} GROUP BY 1
     )
     SELECT b.at, coalesce(m.attempts, 0) AS attempts, coalesce(m.succeeded, 0) AS succeeded, m.p50, m.p95, m.p99
     FROM buckets b LEFT JOIN measured m ON m.at = b.at ORDER BY b.at`,
    p.values,
  );
  const [totals] = await db.sql.query<Omit<BucketRow, "at">>(
    `SELECT ${measures} FROM webhook_logs WHERE ${attemptsInRange}`,
    rangeValues,
  );
  const byStatus = await db.sql.query<{ status: string; count: number }>(
    `SELECT status::text, count(*)::int AS count FROM webhook_deliveries WHERE ${inRange} GROUP BY status`,
    rangeValues,
  );

  // Index webhook_deliveries(user_id, status, created_at); not limited to the range: pending is now.
  const [pending] = await db.sql.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM webhook_deliveries
     WHERE user_id = $1::uuid AND status = 'pending' ${query.endpointId ? "AND endpoint_id = $2::uuid" : ""}`,
    query.endpointId ? [userId, query.endpointId] : [userId],
  );

  const attempts = totals?.attempts ?? 0;
  const succeeded = totals?.succeeded ?? 0;
  return {
    totals: {
      attempts,
      succeeded,
      failed: attempts - succeeded,
      successRate: attempts > 0 ? succeeded / attempts : null,
      ...percentiles(totals),
    },
    deliveries: Object.fromEntries(
      DELIVERY_STATUSES.map((status) => [status, byStatus.find((row) => row.status === status)?.count ?? 0]),
    ) as StatsView["deliveries"],
    pendingNow: pending?.count ?? 0,
    series: series.map((row) => ({
      at: new Date(row.at),
      attempts: row.attempts,
      succeeded: row.succeeded,
      failed: row.attempts - row.succeeded,
      ...percentiles(row),
    })),
  };
}

const ms = (value: number | string | null | undefined) => (value == null ? null : Math.round(Number(value)));

function percentiles(row: Pick<BucketRow, "p50" | "p95" | "p99"> | undefined) {
  return { p50Ms: ms(row?.p50), p95Ms: ms(row?.p95), p99Ms: ms(row?.p99) };
}
