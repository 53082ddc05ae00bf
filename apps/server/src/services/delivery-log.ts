import {
  type ById,
  type DeliveryDetailView,
  type DeliveryList,
  type DeliveryState,
  type DeliverySummaryView,
  type PayloadFormat,
  RETRY_PRESET_WAITS_MS,
  type RetryPresetName,
  type StatusClass,
} from "@genie/schemas";
import { GENIE_USER_AGENT } from "@genie/webhook-core";
import type { Database } from "../db";
import { keysetAfter, keysetPage } from "../db/keyset";
import { sqlParams } from "../db/sql";
import { notFound } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { deliveryBodies, parsedBody } from "./delivery-bodies";
import { summarySelect } from "./logs";

type SummaryRow = {
  id: string;
  created_at: Date | string;
  event_id: string;
  event_type: string;
  status: DeliverySummaryView["status"];
  attempt_count: number;
  next_attempt_at: Date | string;
  completed_at: Date | string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  contact_id: string | null;
  contact_email: string | null;
  endpoint_id: string;
  endpoint_name: string;
  endpoint_url: string;
  retry_preset: RetryPresetName;
};

// The last attempt's duration comes from its log row (index webhook_logs(delivery_id, attempt_number)):
// one small lookup per listed row, never a scan.
const SUMMARY_COLUMNS = `d.id::text, d.created_at, d.event_id, d.event_type, d.status::text AS status,
  d.attempt_count, d.next_attempt_at, d.completed_at, d.last_status_code, d.last_error,
  (SELECT l.duration_ms FROM webhook_logs l WHERE l.delivery_id = d.id
   ORDER BY l.attempt_number DESC, l.created_at DESC LIMIT 1) AS last_duration_ms,
  d.contact_id::text, c.email AS contact_email, d.endpoint_id::text, e.name AS endpoint_name,
  e.url AS endpoint_url, e.retry_preset::text AS retry_preset`;

const SUMMARY_FROM = `webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
  LEFT JOIN contacts c ON c.id = d.contact_id`;

/** The conditions of each state: `retrying` is pending after at least one failed attempt. */
const STATE_SQL: Record<DeliveryState, string> = {
  pending: "d.status = 'pending' AND d.attempt_count = 0",
  retrying: "d.status = 'pending' AND d.attempt_count > 0",
  succeeded: "d.status = 'succeeded'",
  failed: "d.status = 'failed'",
  cancelled: "d.status = 'cancelled'",
};

/** The class of the last answer; `network` had none (the last attempt failed before any status). */
const STATUS_CLASS_SQL: Record<StatusClass, string> = {
  "2xx": "d.last_status_code BETWEEN 200 AND 299",
  "4xx": "d.last_status_code BETWEEN 400 AND 499",
  "5xx": "d.last_status_code BETWEEN 500 AND 599",
  network: "d.last_status_code IS NULL AND d.last_error IS NOT NULL",
};

/**
 * One page of an account's deliveries (one row per webhook), newest first, by keyset on (created_at,
 * id) (index webhook_deliveries(user_id, created_at, id), read backwards). Only the conditions a request
 * uses are in the SQL, so each shape is planned for what it filters on.
 */
export async function listDeliveries(
  db: Database,
  userId: string,
  filters: DeliveryList,
  retentionDays: number,
) {
  const p = sqlParams();
  const user = p.add(userId);
  const where = [`d.user_id = ${user}::uuid`];
  if (filters.cursor) where.push(keysetAfter(p, filters.cursor, "d"));
  if (filters.state) where.push(STATE_SQL[filters.state]);
  if (filters.statusClass) where.push(STATUS_CLASS_SQL[filters.statusClass]);
  if (filters.eventType) where.push(`d.event_type = ${p.add(filters.eventType)}`);
  if (filters.endpointId) where.push(`d.endpoint_id = ${p.add(filters.endpointId)}::uuid`);
  if (filters.contactId) where.push(`d.contact_id = ${p.add(filters.contactId)}::uuid`);
  if (filters.from) where.push(`d.created_at >= ${p.add(filters.from)}::timestamptz`);
  if (filters.to) where.push(`d.created_at < ${p.add(filters.to)}::timestamptz`);
  if (filters.search) {
    // An email has an @, an event id never does: each search walks its own index.
    where.push(
      filters.search.includes("@")
        ? `d.contact_id IN (SELECT id FROM contacts WHERE user_id = ${user}::uuid
             AND lower(email) = lower(${p.add(filters.search)}))`
        : `d.event_id = ${p.add(filters.search)}`,
    );
  }
  const rows = await db.sql.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE ${where.join(" AND ")}
     ORDER BY d.created_at DESC, d.id DESC LIMIT ${p.add(filters.limit + 1)}::int`,
    p.values,
  );
  return { ...keysetPage(rows, filters.limit, toSummary), keptDays: retentionDays };
}

const date = (value: Date | string) => new Date(value);

function toSummary(row: SummaryRow): DeliverySummaryView & { createdAt: Date } {
  const pending = row.status === "pending";
  return {
    id: row.id,
    createdAt: date(row.created_at),
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    state: pending ? (row.attempt_count > 0 ? "retrying" : "pending") : row.status,
    attemptCount: row.attempt_count,
    maxAttempts: (RETRY_PRESET_WAITS_MS[row.retry_preset]?.length ?? 0) + 1,
    nextAttemptAt: pending ? date(row.next_attempt_at) : null,
    completedAt: row.completed_at === null ? null : date(row.completed_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    lastDurationMs: row.last_duration_ms,
    contactId: row.contact_id,
    contactEmail: row.contact_email,
    endpointId: row.endpoint_id,
    endpointName: row.endpoint_name,
    endpointUrl: row.endpoint_url,
  };
}

const attemptSelect = {
  ...summarySelect,
  deliveredAt: true,
  requestHeaders: true,
  responseExcerpt: true,
} satisfies Prisma.WebhookLogSelect;

/** Attempts shown per delivery: the extended schedule has 8, redeliveries add more. */
const MAX_ATTEMPTS_SHOWN = 200;

/** One delivery with everything its page shows: contact, endpoint, body, headers and attempts. */
export async function getDelivery(db: Database, userId: string, { id }: ById): Promise<DeliveryDetailView> {
  const [row] = await db.sql.query<SummaryRow & { payload_format: PayloadFormat }>(
    `SELECT ${SUMMARY_COLUMNS}, d.payload_format::text AS payload_format
     FROM ${SUMMARY_FROM} WHERE d.id = $1::uuid AND d.user_id = $2::uuid`,
    [id, userId],
  );
  if (!row) throw notFound("Delivery");
  const [bodies, endpoint, contact, attempts] = await Promise.all([
    deliveryBodies(db.sql, userId, [id]),
    db.prisma.webhookEndpoint.findFirstOrThrow({
      where: { id: row.endpoint_id, userId },
      select: {
        id: true,
        name: true,
        url: true,
        retryPreset: true,
        payloadFormat: true,
        enabled: true,
        customHeaders: true,
      },
    }),
    row.contact_id
      ? db.prisma.contact.findFirst({
          where: { id: row.contact_id, userId },
          select: { id: true, name: true, email: true },
        })
      : null,
    db.prisma.webhookLog.findMany({
      where: { deliveryId: id, userId },
      select: attemptSelect,
      orderBy: [{ createdAt: "asc" }, { attemptNumber: "asc" }],
      take: MAX_ATTEMPTS_SHOWN,
    }),
  ]);
  const { customHeaders, ...endpointView } = endpoint;
  return {
    delivery: toSummary(row),
    payload: parsedBody(bodies.get(id)),
    payloadFormat: row.payload_format,
    contact,
    endpoint: endpointView,
    headers: sentHeaders(Object.keys(asRecord(customHeaders))),
    retryWaitsMs: [...RETRY_PRESET_WAITS_MS[endpoint.retryPreset]],
    attempts: attempts.map((attempt) => ({
      ...attempt,
      requestHeaders: (attempt.requestHeaders as Record<string, string> | null) ?? null,
    })),
  };
}

/**
 * The headers every attempt carries, described rather than recorded: successful attempts keep no
 * headers, and signatures change with each attempt's timestamp. Custom header values are masked.
 */
function sentHeaders(customNames: string[]) {
  return [
    { name: "content-type", value: "application/json" },
    { name: "user-agent", value: GENIE_USER_AGENT },
    { name: "webhook-id", value: "the event id (the same on every attempt and redelivery)" },
    { name: "webhook-timestamp", value: "seconds since 1970 when the attempt is signed" },
    // During a secret rotation each signature header holds two signatures, one per secret.
    { name: "webhook-signature", value: "v1,<base64 HMAC-SHA256 of id.timestamp.body> (Standard Webhooks)" },
    { name: "x-webhook-signature", value: "<hex HMAC-SHA256 of the body> (Genie's original scheme)" },
    ...customNames.sort().map((name) => ({ name, value: "•••••• (custom header, masked)" })),
  ];
}

function asRecord(json: Prisma.JsonValue): Record<string, unknown> {
  return json && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
}
