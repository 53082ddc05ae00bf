import type { PrismaClient } from "../generated/prisma/client";

/** A delivery this worker holds the lease on, with what it needs of its endpoint to send it. */
export type ClaimedDelivery = {
  id: string;
  userId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  body: string;
  /** Attempts made before this one. */
  attemptCount: number;
  url: string;
  secrets: string[];
  retryPreset: "standard" | "extended";
  customHeaders: Record<string, string>;
};

/** What one finished attempt changes: a log row, and the delivery's next state. */
export type AttemptRecord = {
  deliveryId: string;
  userId: string;
  endpointId: string;
  eventType: string;
  body: string;
  url: string;
  attemptNumber: number;
  success: boolean;
  statusCode: number | null;
  errorKind: string | null;
  errorMessage: string | null;
  durationMs: number;
  requestHeaders: Record<string, string>;
  responseExcerpt: string | null;
  /** pending: try again after retryDelayMs; succeeded / failed: done. */
  nextStatus: "pending" | "succeeded" | "failed";
  retryDelayMs: number | null;
  /** Set when the receiver answered 410 Gone: the endpoint is disabled with this reason. */
  disableEndpointReason: string | null;
};

type ClaimRow = {
  id: string;
  user_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  body: string;
  attempt_count: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  retry_preset: "standard" | "extended";
  custom_headers: Record<string, string>;
};

/**
 * Claims due deliveries for this worker: pending, due, not leased (or lease expired), of an enabled
 * endpoint. `FOR UPDATE SKIP LOCKED` lets many workers claim at once without waiting on or taking
 * each other's rows; the lease (`locked_until`) hands a delivery to another worker if this one dies.
 */
export async function claimDeliveries(
  prisma: PrismaClient,
  options: {
    workerId: string;
    leaseMs: number;
    limit: number;
    ids?: string[];
    excludeEndpointIds?: string[];
  },
): Promise<ClaimedDelivery[]> {
  const ids = options.ids ? JSON.stringify(options.ids) : null;
  const excluded = JSON.stringify(options.excludeEndpointIds ?? []);
  const rows = await prisma.$queryRaw<ClaimRow[]>`
    WITH due AS (
      SELECT d.id FROM webhook_deliveries d
      JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
      WHERE d.status = 'pending' AND d.next_attempt_at <= now()
        AND (d.locked_until IS NULL OR d.locked_until < now())
        AND (${ids}::jsonb IS NULL OR d.id::text IN (SELECT jsonb_array_elements_text(${ids}::jsonb)))
        AND d.endpoint_id::text NOT IN (SELECT jsonb_array_elements_text(${excluded}::jsonb))
      ORDER BY d.next_attempt_at
      LIMIT ${options.limit}::int
      FOR UPDATE OF d SKIP LOCKED
    ), claimed AS (
      UPDATE webhook_deliveries d
      SET locked_until = now() + ${options.leaseMs}::int * interval '1 millisecond', locked_by = ${options.workerId}
      FROM due WHERE d.id = due.id
      RETURNING d.id, d.user_id, d.endpoint_id, d.event_id, d.event_type, d.body, d.attempt_count
    )
    SELECT c.id::text, c.user_id::text, c.endpoint_id::text, c.event_id, c.event_type, c.body, c.attempt_count,
           e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, e.retry_preset::text, e.custom_headers
    FROM claimed c JOIN webhook_endpoints e ON e.id = c.endpoint_id`;
  const now = Date.now();
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    body: row.body,
    attemptCount: row.attempt_count,
    url: row.url,
    // During a rotation's grace period the previous secret signs too, so receivers can switch over.
    secrets:
      row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > now
        ? [row.secret, row.previous_secret]
        : [row.secret],
    retryPreset: row.retry_preset,
    customHeaders: row.custom_headers ?? {},
  }));
}

/**
 * Writes a batch of finished attempts in one transaction: a webhook_logs row each, and the next state
 * of each delivery, only where this worker still holds the lease. Batching is what lets one worker
 * log thousands of attempts a second; the records travel as one JSON parameter so the same SQL works
 * on PostgreSQL and PGlite.
 */
export async function recordAttempts(
  prisma: PrismaClient,
  workerId: string,
  records: AttemptRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const json = JSON.stringify(records);
  const disabling = records.filter((r) => r.disableEndpointReason);
  await prisma.$transaction([
    prisma.$executeRaw`
      INSERT INTO webhook_logs (user_id, delivery_id, endpoint_id, event_type, payload, webhook_url, status_code,
        success, error_message, error_kind, attempt_number, delivered_at, duration_ms, request_headers,
        response_excerpt)
      SELECT r."userId", r."deliveryId", r."endpointId", r."eventType", r.body::jsonb, r.url, r."statusCode",
        r.success, r."errorMessage", r."errorKind", r."attemptNumber", CASE WHEN r.success THEN now() END,
        r."durationMs", r."requestHeaders", r."responseExcerpt"
      FROM jsonb_to_recordset(${json}::jsonb) AS r("userId" uuid, "deliveryId" uuid, "endpointId" uuid,
        "eventType" text, body text, url text, "statusCode" int, success boolean, "errorMessage" text,
        "errorKind" text, "attemptNumber" int, "durationMs" int, "requestHeaders" jsonb, "responseExcerpt" text)`,
    prisma.$executeRaw`
      UPDATE webhook_deliveries d SET
        status = r."nextStatus"::delivery_status,
        attempt_count = r."attemptNumber",
        next_attempt_at = CASE WHEN r."nextStatus" = 'pending'
          THEN now() + r."retryDelayMs" * interval '1 millisecond' ELSE d.next_attempt_at END,
        locked_until = NULL, locked_by = NULL,
        last_status_code = r."statusCode", last_error = r."errorMessage",
        completed_at = CASE WHEN r."nextStatus" = 'pending' THEN NULL ELSE now() END,
        updated_at = now()
      FROM jsonb_to_recordset(${json}::jsonb) AS r("deliveryId" uuid, "nextStatus" text, "attemptNumber" int,
        "retryDelayMs" int, "statusCode" int, "errorMessage" text)
      WHERE d.id = r."deliveryId" AND d.locked_by = ${workerId}`,
    ...disabling.map((r) =>
      prisma.webhookEndpoint.updateMany({
        where: { id: r.endpointId, enabled: true },
        data: { enabled: false, disabledReason: r.disableEndpointReason, disabledAt: new Date() },
      }),
    ),
  ]);
}

/** Gives back every lease this worker holds, so another worker can take them at once (shutdown). */
export async function releaseLeases(prisma: PrismaClient, workerId: string): Promise<number> {
  return prisma.$executeRaw`
    UPDATE webhook_deliveries SET locked_until = NULL, locked_by = NULL
    WHERE locked_by = ${workerId} AND status = 'pending'`;
}
