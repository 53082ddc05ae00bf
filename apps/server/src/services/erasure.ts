import type { ById, ContactEmail, ErasureView } from "@genie/schemas";
import type { Database } from "../db";
import type { DeliveryWaker } from "../delivery/contract";
import { notFound } from "../errors";

/** The body of a `contact.deleted` webhook in an endpoint's format, built in SQL from `ev`'s columns. */
const CONTACT_DELETED_BODY = `CASE WHEN e.payload_format = 'flat'
    THEN json_build_object('event', 'contact.deleted', 'event_id', ev.event_id, 'timestamp', ev.at,
      'contact_id', ev.contact_id, 'email', ev.email)::text
    ELSE json_build_object('id', ev.event_id, 'event', 'contact.deleted', 'timestamp', ev.at,
      'data', json_build_object('contactId', ev.contact_id, 'email', ev.email))::text END`;

/**
 * Erases contacts of an account, and every copy of their data Genie holds, in one statement (so all
 * of it or none): the contact rows (their idempotency keys with them), the bodies of their
 * deliveries, the payloads and response excerpts of their attempt logs. What counts keep is kept
 * without personal data: that an attempt happened, its status and timing. Pending deliveries are
 * cancelled; an attempt in flight finishes and is logged without the receiver's answer (see
 * recordAttempts). Endpoints that subscribe to `contact.deleted` and receive the contact's project
 * get one, in their format, so the erasure reaches the CRM too. An audit row keeps the numbers,
 * never the email.
 */
async function erase(
  db: Database,
  userId: string,
  match: { id: string } | { email: string },
  worker?: DeliveryWaker,
): Promise<ErasureView> {
  const byId = "id" in match;
  const [row] = await db.sql.query<{ result: ErasureView | string; notified_ids: string[] | null }>(
    `WITH target AS (
       SELECT id, user_id, funnel_project_id, email FROM contacts
       WHERE user_id = $1::uuid AND ${byId ? "id = $2::uuid" : "lower(email) = lower($2)"}
       FOR UPDATE
     ), owned AS (
       SELECT d.id, d.status FROM webhook_deliveries d WHERE d.contact_id IN (SELECT id FROM target)
     ), deliveries AS (
       UPDATE webhook_deliveries d SET body = NULL, contact_id = NULL, updated_at = now(),
         status = CASE WHEN d.status = 'pending' THEN 'cancelled'::delivery_status ELSE d.status END,
         completed_at = coalesce(d.completed_at, now()),
         last_error = CASE WHEN d.status = 'pending' THEN 'Cancelled: its contact was erased.' ELSE d.last_error END
       FROM owned WHERE d.id = owned.id
       RETURNING d.id
     ), logs AS (
       UPDATE webhook_logs l SET payload = NULL, response_excerpt = NULL
       WHERE l.delivery_id IN (SELECT id FROM owned) AND (l.payload IS NOT NULL OR l.response_excerpt IS NOT NULL)
       RETURNING 1
     ), removed AS (
       DELETE FROM contacts WHERE id IN (SELECT id FROM target) RETURNING id
     ), ev AS (
       SELECT t.id::text AS contact_id, t.email, t.user_id, t.funnel_project_id,
         'evt_' || replace(gen_random_uuid()::text, '-', '') AS event_id,
         to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM target t
     ), notified AS (
       INSERT INTO webhook_deliveries (user_id, endpoint_id, event_id, event_type, payload_format, body)
       SELECT ev.user_id, e.id, ev.event_id, 'contact.deleted', e.payload_format, ${CONTACT_DELETED_BODY}
       FROM ev JOIN webhook_endpoints e ON e.user_id = ev.user_id AND e.enabled
         AND 'contact.deleted' = ANY(e.event_types)
         AND (e.all_projects OR EXISTS (SELECT 1 FROM webhook_endpoint_projects ep
           WHERE ep.endpoint_id = e.id AND ep.project_id = ev.funnel_project_id))
       RETURNING id
     ), counts AS (
       SELECT json_build_object(
         'contacts', (SELECT count(*) FROM removed),
         'deliveriesCancelled', (SELECT count(*) FROM owned WHERE status = 'pending'),
         'bodiesErased', (SELECT count(*) FROM deliveries),
         'logsScrubbed', (SELECT count(*) FROM logs),
         'notified', (SELECT count(*) FROM notified)) AS result
     ), audit AS (
       INSERT INTO audit_events (user_id, action, detail)
       SELECT $1::uuid, 'contact.erased', json_build_object('by', $3::text, 'counts', counts.result)::jsonb
       FROM counts WHERE (SELECT count(*) FROM removed) > 0
     )
     SELECT counts.result, (SELECT array_agg(id::text) FROM notified) AS notified_ids FROM counts`,
    [userId, byId ? match.id : match.email, byId ? "id" : "email"],
  );
  if (!row) throw new Error("the erasure statement returned no row");
  // node-postgres parses json; PGlite may hand it over as text.
  const result: ErasureView = typeof row.result === "string" ? JSON.parse(row.result) : row.result;
  if (row.notified_ids?.length) worker?.wake(row.notified_ids);
  return result;
}

/** contacts.delete: one contact, by id; another account's id is NOT_FOUND, like a missing one. */
export async function eraseContact(db: Database, userId: string, { id }: ById, worker?: DeliveryWaker) {
  const result = await erase(db, userId, { id }, worker);
  if (result.contacts === 0) throw notFound("Contact");
  return result;
}

/** contacts.deleteByEmail: every contact of the account with this email (none is not an error). */
export async function eraseContactsByEmail(
  db: Database,
  userId: string,
  { email }: ContactEmail,
  worker?: DeliveryWaker,
) {
  return erase(db, userId, { email }, worker);
}
