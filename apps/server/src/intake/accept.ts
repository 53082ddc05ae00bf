import { randomUUID } from "node:crypto";
import type { Registration } from "@genie/schemas";
import type { SqlRunner } from "../db";
import { type ClaimedDelivery, claimedDelivery, type EndpointColumns } from "../delivery/store";
import { buildRegistrationWebhook } from "./payload";

/** A registration refused for a reason the sender can fix; nothing was stored. */
export class RegistrationRejected extends Error {
  override name = "RegistrationRejected";
  constructor(
    readonly statusCode: 403 | 404,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who takes the new deliveries at once: a worker in this process, leasing them in the same statement. */
export type OutboxLease = { workerId: string; leaseMs: number };

export type RegistrationMeta = {
  /** Lease the new deliveries to this worker; null leaves them to whichever poller comes first. */
  lease: OutboxLease | null;
  userAgent: string | null;
  idempotencyKey: string | null;
  /** The browser's Origin header, checked against the project's allowed origins. */
  origin: string | null;
};

export type AcceptedRegistration = {
  contactId: string;
  /** The outbox rows written with the contact, leased to `meta.lease` when given. Empty on a replay. */
  deliveries: ClaimedDelivery[];
  /** True when the Idempotency-Key was seen before: nothing new was stored. */
  replayed: boolean;
};

/**
 * Stores a registration and its webhooks atomically. One SQL statement inserts the contact and one
 * delivery per enabled endpoint of the account (the transactional outbox), so an acknowledged
 * registration always has its webhooks, and a repeated Idempotency-Key inserts neither.
 */
export async function acceptRegistration(
  sql: SqlRunner,
  registration: Registration,
  meta: RegistrationMeta,
  findProject: ProjectLookup = (projectId, pageId) => findEnabledProject(sql, projectId, pageId),
): Promise<AcceptedRegistration> {
  const project = await findProject(registration.projectId, registration.pageId ?? null);
  if (!project) {
    throw new RegistrationRejected(404, "project_not_found", "No enabled funnel project has this projectId.");
  }
  if (meta.origin && project.allowed_origins.length > 0 && !project.allowed_origins.includes(meta.origin)) {
    throw new RegistrationRejected(
      403,
      "origin_not_allowed",
      `Origin ${meta.origin} is not among this project's allowed origins.`,
    );
  }
  if (registration.pageId && !project.page_id) {
    throw new RegistrationRejected(404, "page_not_found", "This project has no page with this pageId.");
  }
  const page = project.page_id ? { id: project.page_id, url: project.page_url ?? "" } : null;

  const contactId = randomUUID();
  const eventId = `evt_${randomUUID().replaceAll("-", "")}`;
  const createdAt = new Date();
  const body = buildRegistrationWebhook({
    eventId,
    contactId,
    createdAt,
    registration,
    project: { id: project.id, name: project.name },
    page,
    userAgent: meta.userAgent,
  });
  const r = registration;
  const [row] = await sql.query<{ contact_id: string | null; deliveries: DeliveryRow[] | string }>(
    `WITH contact AS (
       INSERT INTO contacts (id, user_id, funnel_project_id, funnel_page_id, email, name,
         utm_source, utm_medium, utm_campaign, utm_term, utm_content, first_touch, visitor_id, user_agent,
         referrer, page_url, landing_page, custom_fields, idempotency_key, created_at)
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14,
         $15, $16, $17, $18::jsonb, $19, $20::timestamptz)
       ON CONFLICT (funnel_project_id, idempotency_key) DO NOTHING
       RETURNING id, user_id
     ), deliveries AS (
       INSERT INTO webhook_deliveries (user_id, endpoint_id, contact_id, event_id, event_type, body,
         locked_by, locked_until)
       SELECT contact.user_id, e.id, contact.id, $21, 'registration.submitted', $22,
         $23::text, CASE WHEN $23::text IS NOT NULL THEN now() + $24::int * interval '1 millisecond' END
       FROM contact JOIN webhook_endpoints e ON e.user_id = contact.user_id AND e.enabled
       RETURNING id, endpoint_id
     )
     SELECT (SELECT id::text FROM contact) AS contact_id,
       coalesce((SELECT json_agg(json_build_object('id', d.id, 'endpoint_id', d.endpoint_id, 'url', e.url,
         'secret', e.secret, 'previous_secret', e.previous_secret,
         'previous_secret_expires_at', e.previous_secret_expires_at, 'retry_preset', e.retry_preset,
         'custom_headers', e.custom_headers))
         FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id), '[]') AS deliveries`,
    [
      contactId,
      project.user_id,
      project.id,
      page?.id ?? null,
      r.email,
      r.name ?? null,
      r.utm?.source ?? null,
      r.utm?.medium ?? null,
      r.utm?.campaign ?? null,
      r.utm?.term ?? null,
      r.utm?.content ?? null,
      r.firstTouch ? JSON.stringify(r.firstTouch) : null,
      r.visitorId ?? null,
      meta.userAgent,
      r.referrer ?? null,
      r.pageUrl ?? null,
      r.landingPage ?? null,
      JSON.stringify(r.fields ?? {}),
      meta.idempotencyKey,
      createdAt.toISOString(),
      eventId,
      body,
      meta.lease?.workerId ?? null,
      meta.lease?.leaseMs ?? 0,
    ],
  );

  if (row?.contact_id) {
    // node-postgres parses json; PGlite may hand it over as text.
    const rows: DeliveryRow[] =
      typeof row.deliveries === "string" ? JSON.parse(row.deliveries) : row.deliveries;
    const deliveries = rows.map((d) =>
      claimedDelivery(
        {
          id: d.id,
          userId: project.user_id,
          endpointId: d.endpoint_id,
          eventId,
          eventType: "registration.submitted",
          body,
          attemptCount: 0,
        },
        d,
      ),
    );
    return { contactId: row.contact_id, deliveries, replayed: false };
  }

  // The key was used before (perhaps by a concurrent request): answer with the first contact.
  const [first] = await sql.query<{ id: string }>(
    "SELECT id::text FROM contacts WHERE funnel_project_id = $1::uuid AND idempotency_key = $2",
    [project.id, meta.idempotencyKey],
  );
  if (!first) throw new Error("registration insert returned no contact and no earlier one exists");
  return { contactId: first.id, deliveries: [], replayed: true };
}

type DeliveryRow = EndpointColumns & { id: string; endpoint_id: string };

/** An enabled project (and the page, when it belongs to it) as the intake needs it; undefined: none. */
export type ProjectLookup = (projectId: string, pageId: string | null) => Promise<ProjectRow | undefined>;

async function findEnabledProject(sql: SqlRunner, projectId: string, pageId: string | null) {
  const [project] = await sql.query<ProjectRow>(
    `SELECT p.id::text, p.user_id::text, p.name, p.allowed_origins, pg.id::text AS page_id, pg.url AS page_url
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
export function cachedProjectLookup(sql: SqlRunner, ttlMs: number, maxEntries = 10_000): ProjectLookup {
  const cache = new Map<string, { project: ProjectRow; expires: number }>();
  return async (projectId, pageId) => {
    const key = `${projectId}/${pageId ?? ""}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.project;
    const project = await findEnabledProject(sql, projectId, pageId);
    if (!project || (pageId && !project.page_id)) {
      cache.delete(key);
      return project;
    }
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, { project, expires: now + ttlMs });
    return project;
  };
}

type ProjectRow = {
  id: string;
  user_id: string;
  name: string;
  allowed_origins: string[];
  page_id: string | null;
  page_url: string | null;
};
