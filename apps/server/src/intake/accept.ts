import { randomUUID } from "node:crypto";
import type { PayloadFormat, Registration } from "@genie/schemas";
import { v7 as uuidv7 } from "uuid";
import type { SqlRunner } from "../db";
import type { ClaimedDelivery, SlotReservation } from "../delivery/contract";
import { claimedDelivery, type EndpointColumns } from "../delivery/store";
import { AppError } from "../errors";
import { consentOf, registrationEvent, serializeWebhook } from "./payload";
import { toE164 } from "./phone";

export type RegistrationMeta = {
  /**
   * A slot the worker of this process reserved: the new deliveries are written leased to it.
   * Null writes them unleased, for whichever poller comes first.
   */
  lease: Pick<SlotReservation, "workerId" | "leaseMs"> | null;
  userAgent: string | null;
  idempotencyKey: string | null;
  /** The browser's Origin header, checked against the project's allowed origins. */
  origin: string | null;
};

export type AcceptedRegistration = {
  contactId: string;
  /** The outbox rows written with the contact (leased to `meta.lease` when given). Empty on a replay. */
  deliveries: ClaimedDelivery[];
  /** True when the Idempotency-Key was seen before: nothing new was stored. */
  replayed: boolean;
};

/**
 * A registration checked against its project, with its ids and webhook body in both formats (an
 * endpoint receives the one it asked for): ready to be written.
 */
export type PreparedRegistration = {
  contactId: string;
  eventId: string;
  userId: string;
  projectId: string;
  bodies: Record<PayloadFormat, string>;
  createdAt: Date;
  registration: Registration;
  pageId: string | null;
  meta: RegistrationMeta;
};

/**
 * Checks a registration against its project (allowed origins, page) and builds what will be stored:
 * the phone in E.164, the contact id, the event id and the webhook body, serialised once. Throws an
 * AppError (nothing stored).
 */
export function prepareRegistration(
  input: Registration,
  project: ProjectRow | undefined,
  meta: RegistrationMeta,
): PreparedRegistration {
  if (!project) {
    throw new AppError("NOT_FOUND", {
      reason: "project_not_found",
      userMessage: "No enabled funnel project has this projectId.",
    });
  }
  if (meta.origin && project.allowed_origins.length > 0 && !project.allowed_origins.includes(meta.origin)) {
    throw new AppError("FORBIDDEN", {
      reason: "origin_not_allowed",
      userMessage: `Origin ${meta.origin} is not among this project's allowed origins.`,
    });
  }
  if (input.pageId && !project.page_id) {
    throw new AppError("NOT_FOUND", {
      reason: "page_not_found",
      userMessage: "This project has no page with this pageId.",
    });
  }
  // An empty phone input is no phone.
  const registration =
    input.phone === undefined
      ? input
      : { ...input, phone: input.phone === "" ? undefined : phoneOf(input.phone, project) };
  const page = project.page_id ? { id: project.page_id, url: project.page_url ?? "" } : null;
  // Time-ordered (UUIDv7): contacts are never updated, so the indexes on their id grow at the right
  // edge, where PostgreSQL fills a page before splitting it (about half the bytes of random ids,
  // measured by the storage benchmark). Not the event id: its delivery's updates add index entries
  // beside the newest, and ordered keys then split the newest pages in halves.
  const contactId = uuidv7();
  const eventId = `evt_${randomUUID().replaceAll("-", "")}`;
  const createdAt = new Date();
  const event = registrationEvent({
    eventId,
    contactId,
    createdAt,
    registration,
    project: { id: project.id, name: project.name },
    page,
    userAgent: meta.userAgent,
  });
  // Both shapes, one JSON.stringify each (about a microsecond): cheaper than asking which endpoints want which.
  const bodies = { nested: serializeWebhook(event, "nested"), flat: serializeWebhook(event, "flat") };
  return {
    contactId,
    eventId,
    userId: project.user_id,
    projectId: project.id,
    bodies,
    createdAt,
    registration,
    pageId: page?.id ?? null,
    meta,
  };
}

/** The phone in E.164, or a 400 with a field error that says which numbers the project reads. */
function phoneOf(text: string, project: ProjectRow): string {
  const phone = toE164(text, project.default_country);
  if (phone) return phone;
  const expected = project.default_country
    ? `a ${project.default_country} number, or one starting with + and the country code`
    : "an international number starting with + and the country code";
  throw new AppError("BAD_REQUEST", {
    reason: "validation_failed",
    userMessage: "The registration is not valid: see fieldErrors.",
    fieldErrors: { phone: [`must be a phone number: ${expected}`] },
  });
}

/** The columns of the intake statement, in order; each is one array parameter holding every row's value. */
const COLUMNS: [name: string, type: string, value: (p: PreparedRegistration) => unknown][] = [
  ["id", "uuid", (p) => p.contactId],
  ["user_id", "uuid", (p) => p.userId],
  ["funnel_project_id", "uuid", (p) => p.projectId],
  ["funnel_page_id", "uuid", (p) => p.pageId],
  ["email", "text", (p) => p.registration.email],
  ["name", "text", (p) => p.registration.name ?? null],
  ["phone", "text", (p) => p.registration.phone ?? null],
  ["consent_given", "boolean", (p) => p.registration.consent?.given ?? null],
  ["consent_text", "text", (p) => p.registration.consent?.text ?? null],
  ["consent_at", "timestamptz", (p) => consentOf(p.registration, p.createdAt)?.at ?? null],
  ["utm_source", "text", (p) => p.registration.utm?.source ?? null],
  ["utm_medium", "text", (p) => p.registration.utm?.medium ?? null],
  ["utm_campaign", "text", (p) => p.registration.utm?.campaign ?? null],
  ["utm_term", "text", (p) => p.registration.utm?.term ?? null],
  ["utm_content", "text", (p) => p.registration.utm?.content ?? null],
  [
    "first_touch",
    "text",
    // As the page sent it (only what it knew): readers fill in the rest with storedFirstTouch.
    (p) => (p.registration.firstTouch ? JSON.stringify(p.registration.firstTouch) : null),
  ],
  ["visitor_id", "text", (p) => p.registration.visitorId ?? null],
  ["user_agent", "text", (p) => p.meta.userAgent],
  ["referrer", "text", (p) => p.registration.referrer ?? null],
  ["page_url", "text", (p) => p.registration.pageUrl ?? null],
  ["landing_page", "text", (p) => p.registration.landingPage ?? null],
  ["custom_fields", "text", (p) => JSON.stringify(p.registration.fields ?? {})],
  ["idempotency_key", "text", (p) => p.meta.idempotencyKey],
  ["created_at", "timestamptz", (p) => p.createdAt.toISOString()],
  ["event_id", "text", (p) => p.eventId],
  ["body", "text", (p) => p.bodies.nested],
  ["flat_body", "text", (p) => p.bodies.flat],
  ["locked_by", "text", (p) => p.meta.lease?.workerId ?? null],
  ["lease_ms", "int", (p) => p.meta.lease?.leaseMs ?? 0],
];

/**
 * Contacts and their outbox rows, for any number of registrations, in one statement: one delivery per
 * enabled endpoint of each contact's account that routes it here (every project, or this project on
 * its list; the default events, or a list naming registration.submitted), with the body in that
 * endpoint's format, leased to the row's worker when it has one. A repeated Idempotency-Key (even
 * twice in the same batch) inserts neither contact nor deliveries.
 */
const INSERT_REGISTRATIONS = `WITH input AS (
    SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ")})
      AS i(${COLUMNS.map(([name]) => name).join(", ")})
  ), contact AS (
    INSERT INTO contacts (id, user_id, funnel_project_id, funnel_page_id, email, name, phone,
      consent_given, consent_text, consent_at, utm_source,
      utm_medium, utm_campaign, utm_term, utm_content, first_touch, visitor_id, user_agent, referrer,
      page_url, landing_page, custom_fields, idempotency_key, created_at)
    SELECT id, user_id, funnel_project_id, funnel_page_id, email, name, phone, consent_given,
      consent_text, consent_at, utm_source, utm_medium,
      utm_campaign, utm_term, utm_content, first_touch::json, visitor_id, user_agent, referrer, page_url,
      landing_page, custom_fields::json, idempotency_key, created_at
    FROM input
    ON CONFLICT (funnel_project_id, idempotency_key) DO NOTHING
    RETURNING id, user_id, funnel_project_id
  ), deliveries AS (
    INSERT INTO webhook_deliveries (user_id, endpoint_id, contact_id, event_id, event_type, payload_format,
      body, locked_by, locked_until)
    SELECT c.user_id, e.id, c.id, i.event_id, 'registration.submitted', e.payload_format,
      CASE WHEN e.payload_format = 'flat' THEN i.flat_body ELSE i.body END, i.locked_by,
      CASE WHEN i.locked_by IS NOT NULL THEN now() + i.lease_ms * interval '1 millisecond' END
    FROM contact c JOIN input i ON i.id = c.id
      JOIN webhook_endpoints e ON e.user_id = c.user_id AND e.enabled
        AND (coalesce(cardinality(e.event_types), 0) = 0 OR 'registration.submitted' = ANY(e.event_types))
        AND (e.all_projects OR EXISTS (SELECT 1 FROM webhook_endpoint_projects ep
          WHERE ep.endpoint_id = e.id AND ep.project_id = c.funnel_project_id))
    RETURNING id, endpoint_id, contact_id
  )
  SELECT c.id::text AS contact_id,
    coalesce((SELECT json_agg(json_build_object('id', d.id, 'endpoint_id', d.endpoint_id, 'url', e.url,
      'secret', e.secret, 'previous_secret', e.previous_secret,
      'previous_secret_expires_at', e.previous_secret_expires_at, 'retry_preset', e.retry_preset,
      'custom_headers', e.custom_headers, 'payload_format', e.payload_format,
      'rate_limit_per_second', e.rate_limit_per_second, 'max_concurrency', e.max_concurrency))
      FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.contact_id = c.id), '[]')
      AS deliveries
  FROM contact c`;

/** What one intake statement stored: each new contact's id with its outbox rows (as the driver gives them). */
export type StoredRegistrations = Map<string, DeliveryRow[] | string>;

/**
 * Stores registrations and their webhooks atomically: the contacts and their outbox rows are one
 * statement, so an acknowledged registration always has its webhooks. It fails or commits as a whole.
 * Registrations whose Idempotency-Key was used before are not in the result (see `answerFor`).
 */
export async function storeRegistrations(
  sql: SqlRunner,
  batch: PreparedRegistration[],
): Promise<StoredRegistrations> {
  const rows = await sql.query<{ contact_id: string; deliveries: DeliveryRow[] | string }>(
    INSERT_REGISTRATIONS,
    COLUMNS.map(([, , value]) => batch.map(value)),
  );
  return new Map(rows.map((row) => [row.contact_id, row.deliveries]));
}

/**
 * The answer to one registration of a stored batch: its contact and its deliveries, ready to adopt;
 * or, for a repeated Idempotency-Key, the first contact's id and nothing new.
 */
export async function answerFor(
  sql: SqlRunner,
  p: PreparedRegistration,
  stored: StoredRegistrations,
): Promise<AcceptedRegistration> {
  const found = stored.get(p.contactId);
  if (found === undefined) return { contactId: await firstContactId(sql, p), deliveries: [], replayed: true };
  // node-postgres parses json; PGlite may hand it over as text.
  const rows: DeliveryRow[] = typeof found === "string" ? JSON.parse(found) : found;
  const deliveries = rows.map((d) =>
    claimedDelivery(
      {
        id: d.id,
        userId: p.userId,
        endpointId: d.endpoint_id,
        eventId: p.eventId,
        eventType: "registration.submitted",
        body: p.bodies[d.payload_format],
        attemptCount: 0,
      },
      d,
    ),
  );
  return { contactId: p.contactId, deliveries, replayed: false };
}

/** The contact an Idempotency-Key was first used for (perhaps by a concurrent request). */
async function firstContactId(sql: SqlRunner, p: PreparedRegistration): Promise<string> {
  const [first] = await sql.query<{ id: string }>(
    "SELECT id::text FROM contacts WHERE funnel_project_id = $1::uuid AND idempotency_key = $2",
    [p.projectId, p.meta.idempotencyKey],
  );
  if (!first) throw new Error("registration insert returned no contact and no earlier one exists");
  return first.id;
}

type DeliveryRow = EndpointColumns & { id: string; endpoint_id: string; payload_format: PayloadFormat };

/** An enabled project (and the page, when it belongs to it) as the intake needs it; undefined: none. */
export type ProjectLookup = (projectId: string, pageId: string | null) => Promise<ProjectRow | undefined>;

export async function findEnabledProject(sql: SqlRunner, projectId: string, pageId: string | null) {
  const [project] = await sql.query<ProjectRow>(
    `SELECT p.id::text, p.user_id::text, p.name, p.allowed_origins, p.default_country, pg.id::text AS page_id,
       pg.url AS page_url
     FROM funnel_projects p
     LEFT JOIN funnel_pages pg ON pg.id = $2::uuid AND pg.project_id = p.id
     WHERE p.id = $1::uuid AND p.enabled`,
    [projectId, pageId],
  );
  return project;
}

/**
 * Remembers found projects for `ttlMs`: a busy funnel sends the same project id thousands of times a
 * minute, and the lookup was half of the intake's statements. The price: renaming, disabling or
 * changing the allowed origins of a project takes up to `ttlMs` to reach every process. Misses are
 * not remembered, so a project created a moment ago is found at once.
 */
export function cachedProjectLookup(
  sql: SqlRunner,
  ttlMs: number,
  { maxEntries = 10_000, now = Date.now }: { maxEntries?: number; now?: () => number } = {},
): ProjectLookup {
  const cache = new Map<string, { project: ProjectRow; expires: number }>();
  return async (projectId, pageId) => {
    const key = `${projectId}/${pageId ?? ""}`;
    const at = now();
    const hit = cache.get(key);
    if (hit && hit.expires > at) return hit.project;
    const project = await findEnabledProject(sql, projectId, pageId);
    if (!project || (pageId && !project.page_id)) {
      cache.delete(key);
      return project;
    }
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, { project, expires: at + ttlMs });
    return project;
  };
}

type ProjectRow = {
  id: string;
  user_id: string;
  name: string;
  allowed_origins: string[];
  /** For national phone numbers; null: international numbers only. */
  default_country: string | null;
  page_id: string | null;
  page_url: string | null;
};
