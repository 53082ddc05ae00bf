import { type ById, REDELIVER_BATCH, type RedeliverFailed } from "@genie/schemas";
import type { Database } from "../db";
import { sqlParams, uuidArray } from "../db/sql";
import type { DeliveryWaker } from "../delivery/contract";
import { AppError, notFound } from "../errors";
import { deliveryBodies } from "./delivery-bodies";

/**
 * Queues again the given finished deliveries as the worker's claim expects them: pending, due now,
 * no lease, a fresh attempt count (the retry schedule starts over). The event id stays, so receivers
 * still dedupe on `webhook-id`. The body goes back on the row for the worker (a finished delivery's
 * is rebuilt from its contact), only where the contact is still there or the body never left: an
 * erasure that commits between the read and this update has nulled both, and its data must not
 * come back.
 */
async function requeue(db: Database, userId: string, ids: string[], statusCondition: string) {
  if (ids.length === 0) return [];
  const bodies = await deliveryBodies(db.sql, userId, ids);
  const rows = await db.sql.query<{ id: string }>(
    `UPDATE webhook_deliveries d
     SET status = 'pending', next_attempt_at = now(), attempt_count = 0, locked_until = NULL,
       locked_by = NULL, completed_at = NULL, updated_at = now(), body = coalesce(d.body, b.body)
     FROM unnest($1::uuid[], $2::text[]) AS b(id, body)
     WHERE d.id = b.id AND d.user_id = $3::uuid AND coalesce(d.body, b.body) IS NOT NULL
       AND (d.body IS NOT NULL OR d.contact_id IS NOT NULL) AND ${statusCondition}
     RETURNING d.id::text`,
    [uuidArray(ids), ids.map((id) => bodies.get(id) ?? null), userId],
  );
  return rows.map((row) => row.id);
}

/** Sends a finished delivery (failed, cancelled, or even succeeded) again. */
export async function redeliver(db: Database, userId: string, { id }: ById, worker?: DeliveryWaker) {
  const queued = await requeue(db, userId, [id], "d.status <> 'pending'");
  if (queued.length === 0) {
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
    // Erased contacts' deliveries cannot be sent again (see requeue).
    "(body IS NOT NULL OR contact_id IS NOT NULL)",
  ];
  if (range.endpointId) where.push(`endpoint_id = ${p.add(range.endpointId)}::uuid`);
  const candidates = await db.sql.query<{ id: string }>(
    `SELECT id::text FROM webhook_deliveries WHERE ${where.join(" AND ")}
     ORDER BY created_at LIMIT ${p.add(REDELIVER_BATCH)}::int`,
    p.values,
  );
  // A delivery queued by someone else meanwhile is no longer failed, and is left as it is.
  const queued = await requeue(
    db,
    userId,
    candidates.map((row) => row.id),
    "d.status = 'failed'",
  );
  if (queued.length > 0) worker?.wake(queued);
  return { count: queued.length, more: candidates.length === REDELIVER_BATCH };
}

/**
 * Stops a pending delivery. One a worker is sending right now (its lease is live) cannot be called
 * back, so it is refused rather than pretend.
 */
export async function cancel(db: Database, userId: string, { id }: ById) {
  const rows = await db.sql.query<{ id: string }>(
    // Like a sent one, a cancelled delivery keeps no body: a registration's is rebuilt from its
    // contact if it is sent again, and a contact.deleted body holds an erased email.
    `UPDATE webhook_deliveries SET status = 'cancelled', completed_at = now(), locked_by = NULL, updated_at = now(),
       body = NULL
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
      "This delivery can no longer be sent again: its body was removed (with its contact's erasure, " +
      "or by the retention period, GENIE_RETENTION_DAYS) and there is no contact to rebuild it from.",
  });
}
