import { toStorableText } from "@genie/schemas";
import { v7 as uuidv7 } from "uuid";
import type { SqlRunner } from "../db";
import { openSealed } from "../db/encryption";
import { uuidArray } from "../db/sql";
import { announceChanges } from "../live/feed";
import { timeStage } from "../metrics";
import type { AttemptRecord, ClaimedDelivery, WorkerShare } from "./contract";
import { WORKER_LOCK_CLASS } from "./session";

/** What an attempt needs of its endpoint, as the claim and intake statements select it. */
export type EndpointColumns = {
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | string | null;
  retry_preset: "standard" | "extended";
  custom_headers: Record<string, string> | null;
  rate_limit_per_second: number | null;
  max_concurrency: number | null;
};

type ClaimRow = EndpointColumns & {
  id: string;
  user_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  body: string;
  attempt_count: number;
};

/**
 * The secrets that sign an endpoint's requests: during a rotation's grace period the previous one signs
 * too, so receivers holding either can verify while they switch over.
 */
export function signingSecrets(
  secret: string,
  previousSecret: string | null,
  previousSecretExpiresAt: Date | string | null,
): string[] {
  const graceRunning = previousSecretExpiresAt && new Date(previousSecretExpiresAt).getTime() > Date.now();
  return previousSecret && graceRunning ? [secret, previousSecret] : [secret];
}

/** A leased delivery from its own facts and its endpoint's columns. */
export function claimedDelivery(
  delivery: Omit<ClaimedDelivery, "url" | "secrets" | "retryPreset" | "customHeaders" | "pace">,
  endpoint: EndpointColumns,
): ClaimedDelivery {
  const started = performance.now();
  const credentials = sendingCredentials(
    delivery.endpointId,
    {
      secret: endpoint.secret,
      previousSecret: endpoint.previous_secret,
      previousSecretExpiresAt: endpoint.previous_secret_expires_at,
      customHeaders: endpoint.custom_headers,
    },
    openRemembered,
  );
  timeStage("decrypt", started);
  return {
    ...delivery,
    url: endpoint.url,
    ...credentials,
    retryPreset: endpoint.retry_preset,
    pace: { ratePerSecond: endpoint.rate_limit_per_second, concurrency: endpoint.max_concurrency },
  };
}

/** Opened values by endpoint and sealed value; cleared whole when full (it refills in a claim or two). */
const opened = new Map<string, string>();
const MAX_OPENED = 10_000;

/**
 * `openSealed`, remembered. One AES-GCM decryption per claimed delivery was a measurable part of each
 * attempt; the sealed value is what the claim returns anyway, and a fresh random IV makes every
 * sealing unique, so a rotated secret or header (in any process) is a new key here: nothing to
 * invalidate. Keyed by the endpoint too: the endpoint's id is the cipher's associated data.
 */
function openRemembered(value: string, endpointId: string): string {
  const key = `${endpointId} ${value}`;
  let plain = opened.get(key);
  if (plain === undefined) {
    plain = openSealed(value, endpointId);
    if (opened.size >= MAX_OPENED) opened.clear();
    opened.set(key, plain);
  }
  return plain;
}

/**
 * What signs an endpoint's requests and the headers they carry, decrypted from the stored (sealed)
 * columns: the one place values are opened for sending (deliveries and test sends alike).
 */
export function sendingCredentials(
  endpointId: string,
  stored: {
    secret: string;
    previousSecret: string | null;
    previousSecretExpiresAt: Date | string | null;
    customHeaders: Record<string, string> | null;
  },
  open: (value: string, endpointId: string) => string = openSealed,
): Pick<ClaimedDelivery, "secrets" | "customHeaders"> {
  return {
    secrets: signingSecrets(stored.secret, stored.previousSecret, stored.previousSecretExpiresAt).map(
      (value) => open(value, endpointId),
    ),
    customHeaders: Object.fromEntries(
      Object.entries(stored.customHeaders ?? {}).map(([name, value]) => [name, open(value, endpointId)]),
    ),
  };
}

/**
 * Claims due deliveries for this worker: pending, due, not leased, of an enabled endpoint.
 * `FOR UPDATE SKIP LOCKED` lets many workers claim at once without waiting on or taking each other's
 * rows. A lease that has expired is claimable only with `expiredLeases` (workers without a session:
 * the embedded database, tests); workers with a session never take a lease for its age, only through
 * `takeOverDeadWorkers` once its holder is dead (session.ts says why).
 */
export async function claimDeliveries(
  sql: SqlRunner,
  options: {
    workerId: string;
    leaseMs: number;
    limit: number;
    ids?: string[];
    excludeEndpointIds?: string[];
    /** @default true */
    expiredLeases?: boolean;
  },
): Promise<ClaimedDelivery[]> {
  const rows = await sql.query<ClaimRow>(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
       WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND d.body IS NOT NULL
         AND (d.locked_by IS NULL OR ($6::boolean AND d.locked_until < now()))
         AND ($1::uuid[] IS NULL OR d.id = ANY($1::uuid[]))
         AND NOT (d.endpoint_id = ANY($2::uuid[]))
       ORDER BY d.next_attempt_at
       LIMIT $3::int
       FOR UPDATE OF d SKIP LOCKED
     ), claimed AS (
       UPDATE webhook_deliveries d
       SET locked_until = now() + $4::int * interval '1 millisecond', locked_by = $5
       FROM due WHERE d.id = due.id
       RETURNING d.id, d.user_id, d.endpoint_id, d.event_id, d.event_type, d.body, d.attempt_count
     )
     SELECT c.id::text, c.user_id::text, c.endpoint_id::text, c.event_id, c.event_type, c.body, c.attempt_count,
            e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, e.retry_preset::text, e.custom_headers,
            e.rate_limit_per_second, e.max_concurrency
     FROM claimed c JOIN webhook_endpoints e ON e.id = c.endpoint_id`,
    [
      options.ids ? uuidArray(options.ids) : null,
      uuidArray(options.excludeEndpointIds ?? []),
      options.limit,
      options.leaseMs,
      options.workerId,
      options.expiredLeases ?? true,
    ],
  );
  return rows.map((row) =>
    claimedDelivery(
      {
        id: row.id,
        userId: row.user_id,
        endpointId: row.endpoint_id,
        eventId: row.event_id,
        eventType: row.event_type,
        body: row.body,
        attemptCount: row.attempt_count,
      },
      row,
    ),
  );
}

/**
 * Writes a batch of finished attempts in one statement (so, atomically): a webhook_logs row each, the
 * next state of each delivery (only where this worker still holds the lease), and the disabling of
 * endpoints that answered 410. Batching is what lets one worker log thousands of attempts a second;
 * the records travel as one JSON parameter so the same SQL works on PostgreSQL and PGlite.
 *
 * Nothing in it depends on what a visitor or a receiver wrote being valid for the database: the
 * records' text is made storable first (`toStorableText`), and the log row does not copy the body
 * (its payload stays NULL: the delivery holds the body, once). An attempt whose delivery was deleted
 * meanwhile (its endpoint or account deleted mid-attempt) is not logged, rather than failing the batch
 * on a foreign key.
 */
export async function recordAttempts(
  sql: SqlRunner,
  workerId: string,
  records: AttemptRecord[],
  options: LeaseRule = {},
): Promise<void> {
  if (records.length === 0) return;
  await sql.query(
    `WITH r AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("logId" uuid, "userId" uuid, "deliveryId" uuid, "endpointId" uuid,
         "eventType" text, url text, "attemptNumber" int, success boolean, "statusCode" int,
         "errorKind" text, "errorMessage" text, "durationMs" int, "requestHeaders" jsonb, "responseExcerpt" text,
         "nextStatus" text, "retryDelayMs" int, "disableEndpointReason" text)
     ), logs AS (
       INSERT INTO webhook_logs (id, user_id, delivery_id, endpoint_id, event_type, payload, webhook_url,
         status_code, success, error_message, error_kind, attempt_number, delivered_at, duration_ms,
         request_headers, response_excerpt)
       SELECT r."logId", r."userId", r."deliveryId", r."endpointId", r."eventType", NULL, r.url, r."statusCode",
         r.success, r."errorMessage", r."errorKind", r."attemptNumber", CASE WHEN r.success THEN now() END,
         r."durationMs",
         -- Kept to debug a failed attempt; a successful one sent what every attempt sends (about
         -- 300 bytes a row saved, see the storage benchmark), and storableRecord leaves them out.
         r."requestHeaders",
         -- A receiver may echo what it got: none of it is kept for a delivery whose contact was erased.
         -- (erased: no body to send and no contact to rebuild one from).
         CASE WHEN d.body IS NULL AND d.contact_id IS NULL THEN NULL ELSE r."responseExcerpt" END
       FROM r JOIN webhook_deliveries d ON d.id = r."deliveryId" AND ($3::boolean OR d.locked_by = $2)
     ), deliveries AS (
       UPDATE webhook_deliveries d SET
         status = r."nextStatus"::delivery_status,
         attempt_count = r."attemptNumber",
         next_attempt_at = CASE WHEN r."nextStatus" = 'pending'
           THEN now() + r."retryDelayMs" * interval '1 millisecond' ELSE d.next_attempt_at END,
         locked_until = NULL, locked_by = NULL,
         last_status_code = r."statusCode", last_error = r."errorMessage",
         completed_at = CASE WHEN r."nextStatus" = 'pending' THEN NULL ELSE now() END,
         -- A body is kept only while it may still be sent: a finished registration's is rebuilt from
         -- its contact when shown or sent again (services/delivery-bodies.ts), so the row shrinks to
         -- its metadata and the space its body took is reused (the storage benchmark's steady state);
         -- a contact.deleted body held the erased email.
         body = CASE WHEN r."nextStatus" <> 'pending' THEN NULL ELSE d.body END,
         updated_at = now()
       -- Only a delivery still pending: one cancelled meanwhile (its contact erased) stays cancelled.
       FROM r WHERE d.id = r."deliveryId" AND d.locked_by = $2 AND d.status = 'pending'
     )
     UPDATE webhook_endpoints e
     SET enabled = false, disabled_reason = r."disableEndpointReason", disabled_at = now(), updated_at = now()
     FROM r WHERE e.id = r."endpointId" AND r."disableEndpointReason" IS NOT NULL AND e.enabled`,
    [JSON.stringify(records.map(storableRecord)), workerId, options.logLostLeases ?? true],
  );
  announceChanges(
    sql,
    records.map((record) => record.userId),
  );
}

/**
 * Whether an attempt whose lease this worker lost is still logged by it. Without sessions a lease is
 * lost by expiring (another worker claimed it meanwhile): the attempt happened and only this worker
 * can log it. With sessions a lease is lost only to the takeover, which has logged the attempt already
 * (as `aborted`): logging it again would give one attempt two rows.
 */
export type LeaseRule = { /** @default true */ logLostLeases?: boolean };

/**
 * A record as the statement takes it: every text field one the database accepts (receivers' answers
 * can hold anything), and no request headers for a success (the statement keeps them only for a
 * failure, so they are not sanitised and serialised for nothing).
 */
function storableRecord(record: AttemptRecord): Omit<AttemptRecord, "requestHeaders"> & {
  logId: string;
  requestHeaders: Record<string, string> | null;
} {
  const text = (value: string | null) => (value === null ? null : toStorableText(value));
  return {
    ...record,
    // Time-ordered, as log rows are never updated: their primary key grows at its right edge, where
    // PostgreSQL fills a page before splitting it (random ids leave pages about half full).
    logId: uuidv7(),
    url: toStorableText(record.url),
    errorKind: text(record.errorKind),
    errorMessage: text(record.errorMessage),
    responseExcerpt: text(record.responseExcerpt),
    requestHeaders: record.success
      ? null
      : Object.fromEntries(
          Object.entries(record.requestHeaders).map(([name, value]) => [
            toStorableText(name),
            toStorableText(value),
          ]),
        ),
    disableEndpointReason: text(record.disableEndpointReason),
  };
}

/**
 * The last resort for an attempt whose full record the database refused: a log row with only what
 * cannot be refused (numbers, and our own words), and the delivery ended as failed, so it is never
 * sent again without a log line. The reason is in the log row; the server logs the error itself.
 */
export async function recordUnrecordable(
  sql: SqlRunner,
  workerId: string,
  record: AttemptRecord,
  error: unknown,
  options: LeaseRule = {},
): Promise<void> {
  const reason = toStorableText(
    `Genie could not record this attempt's outcome (${error instanceof Error ? error.message : String(error)}); ` +
      "the delivery was stopped so that it is not sent again unlogged. Redeliver it from the dashboard.",
  ).slice(0, 1000);
  await sql.query(
    `WITH logs AS (
       INSERT INTO webhook_logs (user_id, delivery_id, endpoint_id, event_type, webhook_url, status_code,
         success, error_message, error_kind, attempt_number, duration_ms)
       SELECT d.user_id, d.id, d.endpoint_id, d.event_type, e.url, $3::int, false, $4, 'unrecordable',
         $5::int, $6::int
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.id = $1::uuid AND ($7::boolean OR d.locked_by = $2)
     )
     UPDATE webhook_deliveries SET status = 'failed', attempt_count = $5::int, locked_until = NULL,
       locked_by = NULL, last_status_code = $3::int, last_error = $4, completed_at = now(), updated_at = now()
     WHERE id = $1::uuid AND locked_by = $2`,
    [
      record.deliveryId,
      workerId,
      // Only values no column can refuse: the refused record may have held an impossible number.
      record.statusCode !== null && record.statusCode >= 100 && record.statusCode <= 999
        ? record.statusCode
        : null,
      reason,
      record.attemptNumber,
      Math.min(Math.max(0, Math.round(record.durationMs)) || 0, 2_147_483_647),
      options.logLostLeases ?? true,
    ],
  );
}

/** Why the takeover logs an attempt as aborted: the words a dashboard user reads in the log. */
export const TAKEOVER_MESSAGE =
  "the worker holding this delivery died (its process ended or lost its database session); " +
  "whether the receiver got this attempt is unknown, so it is sent again";

/**
 * Takes over the leases of dead workers: each delivery one of them held gets a log row for the
 * attempt it may have been making (`aborted`, result unknown: the receiver may have seen it, and
 * delivery is at-least-once), counts that attempt, and becomes due now, unleased, for any worker.
 *
 * Dead means: its session lock is free. `pg_try_advisory_xact_lock` on a live worker's key fails
 * (its session holds it); on a dead one's it succeeds and is held until this statement commits, so
 * two workers taking over at once never both take (and log) the same worker's deliveries. With
 * `everyoneElse` (the embedded database: one process, and the data folder's lock proves no other)
 * every holder but `workerId` is dead, which is what a start after a crash finds.
 *
 * A dead worker may have held a delivery it had not started yet (waiting for a slot of its
 * endpoint): it is logged as aborted too, since nothing tells the two apart.
 */
export async function takeOverDeadWorkers(
  sql: SqlRunner,
  options: { workerId: string; everyoneElse?: boolean },
): Promise<number> {
  const [row] = await sql.query<{ taken: number }>(
    // The holders are found by skipping through the locked_by index, one descent per holder: this
    // runs every second on every worker, and a DISTINCT over the leased rows was planned as a scan
    // of the whole table (21 ms at 100,000 rows, against 0.1 ms for this at 1,000,000).
    `WITH RECURSIVE holders(locked_by) AS (
       SELECT min(locked_by) FROM webhook_deliveries WHERE locked_by IS NOT NULL
       UNION ALL
       SELECT (SELECT min(d.locked_by) FROM webhook_deliveries d WHERE d.locked_by > h.locked_by)
       FROM holders h WHERE h.locked_by IS NOT NULL
     ), dead AS (
       SELECT locked_by FROM holders
       WHERE locked_by IS NOT NULL AND locked_by <> $1 AND CASE WHEN $2::boolean THEN true ELSE pg_try_advisory_xact_lock($3::int, hashtext(locked_by)) END
     ), taken AS (
       UPDATE webhook_deliveries d SET locked_by = NULL, locked_until = NULL,
         attempt_count = d.attempt_count + 1, next_attempt_at = now(), last_status_code = NULL,
         last_error = $4, updated_at = now()
       FROM dead WHERE d.locked_by = dead.locked_by AND d.status = 'pending'
       RETURNING d.id, d.user_id, d.endpoint_id, d.event_type, d.attempt_count
     ), logs AS (
       INSERT INTO webhook_logs (user_id, delivery_id, endpoint_id, event_type, webhook_url, success,
         error_message, error_kind, attempt_number, duration_ms)
       SELECT t.user_id, t.id, t.endpoint_id, t.event_type, e.url, false, $4, 'aborted', t.attempt_count, 0
       FROM taken t JOIN webhook_endpoints e ON e.id = t.endpoint_id
     )
     SELECT count(*)::int AS taken FROM taken`,
    [options.workerId, options.everyoneElse ?? false, WORKER_LOCK_CLASS, TAKEOVER_MESSAGE],
  );
  return row?.taken ?? 0;
}

/**
 * Passes a wake-up this worker could not take in full on to the next live worker (see the
 * migration's `genie_wake_worker`), which may pass it on `passes` more times.
 */
export async function passWakeUp(sql: SqlRunner, afterKey: string, passes: number): Promise<void> {
  await sql.query("SELECT genie_wake_worker($1::bigint, $2::int)", [afterKey, passes]);
}

/**
 * The workers holding their session lock on this database now (they share each endpoint's limits),
 * and this worker's place among them in the order of their keys: the same workers `genie_wake_worker`
 * finds. At least 1 (the one asking).
 */
export async function liveWorkers(sql: SqlRunner, key: string): Promise<WorkerShare> {
  const [row] = await sql.query<{ workers: number; rank: number }>(
    `SELECT count(*)::int AS workers, count(*) FILTER (WHERE objid::bigint < $2::bigint)::int AS rank
     FROM pg_locks
     WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [WORKER_LOCK_CLASS, key],
  );
  return { workers: Math.max(1, row?.workers ?? 1), rank: row?.rank ?? 0 };
}

/** Extends this worker's lease on a delivery; false when the lease was lost (another worker has it). */
export async function renewLease(sql: SqlRunner, deliveryId: string, workerId: string, leaseMs: number) {
  const rows = await sql.query(
    `UPDATE webhook_deliveries SET locked_until = now() + $3::int * interval '1 millisecond'
     WHERE id = $1::uuid AND locked_by = $2 AND status = 'pending' RETURNING id`,
    [deliveryId, workerId, leaseMs],
  );
  return rows.length === 1;
}

/**
 * Gives back the leases this worker holds (only those of `ids` when given), so another worker can take
 * them at once (shutdown, or deliveries adopted after it began).
 */
export async function releaseLeases(sql: SqlRunner, workerId: string, ids?: string[]): Promise<void> {
  await sql.query(
    `UPDATE webhook_deliveries SET locked_until = NULL, locked_by = NULL
     WHERE locked_by = $1 AND status = 'pending' AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))`,
    [workerId, ids ? uuidArray(ids) : null],
  );
}
