import { type ById, REDELIVER_BATCH, type RedeliverFailed } from "@genie/schemas";
import type { Database } from "../db";
import { sqlParams } from "../db/sql";
import type { DeliveryWaker } from "../delivery/contract";
import { AppError, notFound } from "../errors";

/**
 * Queued again, as the worker's claim expects: pending, due now, no lease, a fresh attempt count (the
 * retry schedule starts over). The event id stays, so receivers still dedupe on `webhook-id`.
 */
const REQUEUE = `status = 'pending', next_attempt_at = now(), attempt_count = 0, locked_until = NULL,
  locked_by = NULL, completed_at = NULL, updated_at = now()`;

/** Sends a finished delivery (failed, cancelled, or even succeeded) again. */
export async function redeliver(db: Database, userId: string, { id }: ById, worker?: DeliveryWaker) {
  const rows = await db.sql.query<{ id: string }>(
    `UPDATE webhook_deliveries SET ${REQUEUE}
     WHERE id = $1::uuid AND user_id = $2::uuid AND status <> 'pending' AND body IS NOT NULL
     RETURNING id::text`,
    [id, userId],
  );
  if (rows.length === 0) {
    const status = await assertOwnDelivery(db, userId, id);
    if (status !== "pending") throw bodyGone();
    throw new AppError("CONFLICT", {
      reason: "already_queued",
      userMessage: "This delivery is already queued; it will be sent shortly.",
    });
  }
  worker?.wake([id]);
  return { id, status: "pending" as const };
}

/** Queues again every failed delivery created in [from, to), oldest first, at most REDELIVER_BATCH. */
export async function redeliverFailed(
  db: Database,
  userId: string,
  range: RedeliverFailed,
  worker?: DeliveryWaker,
) {
  const p = sqlParams();
  const where = [
    `user_id = ${p.add(userId)}::uuid`,
    "status = 'failed'",
    `created_at >= ${p.add(range.from)}::timestamptz`,
    `created_at < ${p.add(range.to)}::timestamptz`,
    // Bodies removed by retention or erasure cannot be sent again (see redeliver).
    "body IS NOT NULL",
  ];
  if (range.endpointId) where.push(`endpoint_id = ${p.add(range.endpointId)}::uuid`);
  const rows = await db.sql.query<{ id: string }>(
    `UPDATE webhook_deliveries SET ${REQUEUE}
     WHERE id IN (SELECT id FROM webhook_deliveries WHERE ${where.join(" AND ")}
                  ORDER BY created_at LIMIT ${p.add(REDELIVER_BATCH)}::int FOR UPDATE SKIP LOCKED)
       AND status = 'failed'
     RETURNING id::text`,
    p.values,
  );
  if (rows.length > 0) worker?.wake(rows.map((row) => row.id));
  return { count: rows.length, more: rows.length === REDELIVER_BATCH };
}

/**
 * Stops a pending delivery. One a worker is sending right now (its lease is live) cannot be called
 * back, so it is refused rather than pretend.
 */
export async function cancel(db: Database, userId: string, { id }: ById) {
  const rows = await db.sql.query<{ id: string }>(
    `UPDATE webhook_deliveries SET status = 'cancelled', completed_at = now(), locked_by = NULL, updated_at = now()
     WHERE id = $1::uuid AND user_id = $2::uuid AND status = 'pending'
       AND (locked_until IS NULL OR locked_until < now())
     RETURNING id::text`,
    [id, userId],
  );
  if (rows.length === 0) {
    const status = await assertOwnDelivery(db, userId, id);
    throw new AppError("CONFLICT", {
      reason: "not_cancellable",
      userMessage:
        status === "pending"
          ? "This delivery is being sent right now and cannot be cancelled."
          : `Only pending deliveries can be cancelled; this one has ${status}.`,
    });
  }
  return { id, status: "cancelled" as const };
}

async function assertOwnDelivery(db: Database, userId: string, id: string): Promise<string> {
  const [row] = await db.sql.query<{ status: string }>(
    "SELECT status::text FROM webhook_deliveries WHERE id = $1::uuid AND user_id = $2::uuid",
    [id, userId],
  );
  if (!row) throw notFound("Delivery");
  return row.status;
}

/** Why a finished delivery without its body cannot be sent again, in words. */
function bodyGone(): AppError {
  return new AppError("PRECONDITION_FAILED", {
    reason: "body_removed",
    userMessage:
      "This delivery can no longer be sent again: its body was removed, either by the retention " +
      "period (GENIE_RETENTION_DAYS) or because its contact was erased.",
  });
}
