import type { ById, LogDetailView, LogList, LogSummaryView } from "@genie/schemas";
import type { Database } from "../db";
import { keysetAfter, keysetPage } from "../db/keyset";
import { sqlParams } from "../db/sql";
import { notFound } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { deliveryBodies, parsedBody } from "./delivery-bodies";

const SUMMARY_COLUMNS = `l.id::text AS id, l.created_at AS "createdAt", l.delivery_id::text AS "deliveryId",
  l.endpoint_id::text AS "endpointId", l.event_type AS "eventType", l.webhook_url AS "webhookUrl",
  l.success, l.status_code AS "statusCode", l.error_kind AS "errorKind", l.error_message AS "errorMessage",
  l.attempt_number AS "attemptNumber", l.duration_ms AS "durationMs"`;

/**
 * One page of an account's delivery attempts, newest first, by keyset: the cursor is the last row's
 * (created_at, id), so a deep page costs what the first does (index webhook_logs(user_id, created_at
 * DESC, id DESC)). Written in SQL rather than Prisma to control exactly that plan.
 */
export async function listLogs(db: Database, userId: string, filters: LogList, retentionDays: number) {
  const p = sqlParams();
  const where = [`l.user_id = ${p.add(userId)}::uuid`];
  if (filters.cursor) where.push(keysetAfter(p, filters.cursor, "l"));
  if (filters.status) where.push(`l.success = ${p.add(filters.status === "succeeded")}`);
  if (filters.eventType) where.push(`l.event_type = ${p.add(filters.eventType)}`);
  if (filters.endpointId) where.push(`l.endpoint_id = ${p.add(filters.endpointId)}::uuid`);
  if (filters.from) where.push(`l.created_at >= ${p.add(filters.from)}::timestamptz`);
  if (filters.to) where.push(`l.created_at < ${p.add(filters.to)}::timestamptz`);
  if (filters.contactEmail) {
    where.push(`l.delivery_id IN (
      SELECT d.id FROM contacts c JOIN webhook_deliveries d ON d.contact_id = c.id
      WHERE c.user_id = $1::uuid AND lower(c.email) = lower(${p.add(filters.contactEmail)}))`);
  }
  // One row more than the page tells whether another page follows.
  const rows = await db.sql.query<LogSummaryView & { createdAt: Date; id: string }>(
    `SELECT ${SUMMARY_COLUMNS} FROM webhook_logs l WHERE ${where.join(" AND ")}
     ORDER BY l.created_at DESC, l.id DESC LIMIT ${p.add(filters.limit + 1)}::int`,
    p.values,
  );
  // The retention job removes older attempts: the page says how far back the log goes.
  return { ...keysetPage(rows, filters.limit, normalise), keptDays: retentionDays };
}

/** node-postgres and PGlite agree on types here except that PGlite may hand back timestamps as strings. */
function normalise<T extends { createdAt: Date | string }>(row: T): T & { createdAt: Date } {
  return { ...row, createdAt: new Date(row.createdAt) };
}

/** What every view of an attempt shows (the log's rows, a delivery's attempts). */
export const summarySelect = {
  id: true,
  createdAt: true,
  deliveryId: true,
  endpointId: true,
  eventType: true,
  webhookUrl: true,
  success: true,
  statusCode: true,
  errorKind: true,
  errorMessage: true,
  attemptNumber: true,
  durationMs: true,
} satisfies Prisma.WebhookLogSelect;

/** A summary plus what only the detail view shows. */
const detailSelect = {
  ...summarySelect,
  deliveredAt: true,
  payload: true,
  requestHeaders: true,
  responseExcerpt: true,
} satisfies Prisma.WebhookLogSelect;

/** One attempt in full, with its delivery's state and all of that delivery's attempts. */
export async function getLog(db: Database, userId: string, { id }: ById): Promise<LogDetailView> {
  const { prisma } = db;
  const log = await prisma.webhookLog.findFirst({ where: { id, userId }, select: detailSelect });
  if (!log) throw notFound("Log entry");
  const delivery = log.deliveryId
    ? await prisma.webhookDelivery.findFirst({
        where: { id: log.deliveryId, userId },
        select: {
          id: true,
          eventId: true,
          status: true,
          attemptCount: true,
          nextAttemptAt: true,
          completedAt: true,
          contactId: true,
        },
      })
    : null;
  const timeline = delivery
    ? await prisma.webhookLog.findMany({
        where: { deliveryId: delivery.id, userId },
        select: summarySelect,
        orderBy: [{ attemptNumber: "asc" }, { createdAt: "asc" }],
        take: 100,
      })
    : [pick(log)];
  // A delivery's attempts share its body (the delivery's, or rebuilt from its contact); a test send
  // keeps its own. Null once there is none (its contact erased).
  const deliveryBody = delivery
    ? (await deliveryBodies(db.sql, userId, [delivery.id])).get(delivery.id)
    : null;
  const payload = log.payload ?? parsedBody(deliveryBody);
  return {
    log: { ...log, payload, requestHeaders: (log.requestHeaders as Record<string, string> | null) ?? null },
    delivery,
    timeline,
  };
}

/** The body as JSON for the detail view; as the text it is, should it ever not parse. */
function pick(log: Prisma.WebhookLogGetPayload<{ select: typeof detailSelect }>): LogSummaryView {
  const { deliveredAt: _d, payload: _p, requestHeaders: _h, responseExcerpt: _r, ...summary } = log;
  return summary;
}
