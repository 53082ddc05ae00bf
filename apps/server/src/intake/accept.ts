import { randomUUID } from "node:crypto";
import type { Registration } from "@genie/schemas";
import type { PrismaClient } from "../generated/prisma/client";
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

export type RegistrationMeta = {
  userAgent: string | null;
  idempotencyKey: string | null;
  /** The browser's Origin header, checked against the project's allowed origins. */
  origin: string | null;
};

export type AcceptedRegistration = {
  contactId: string;
  /** The outbox rows written with the contact: hand them to the dispatcher. Empty on a replay. */
  deliveryIds: string[];
  /** True when the Idempotency-Key was seen before: nothing new was stored. */
  replayed: boolean;
};

/**
 * Stores a registration and its webhooks atomically. One SQL statement inserts the contact and one
 * delivery per enabled endpoint of the account (the transactional outbox), so an acknowledged
 * registration always has its webhooks, and a repeated Idempotency-Key inserts neither.
 */
export async function acceptRegistration(
  prisma: PrismaClient,
  registration: Registration,
  meta: RegistrationMeta,
): Promise<AcceptedRegistration> {
  const project = await prisma.funnelProject.findFirst({
    where: { id: registration.projectId, enabled: true },
    select: { id: true, userId: true, name: true, allowedOrigins: true },
  });
  if (!project) {
    throw new RegistrationRejected(404, "project_not_found", "No enabled funnel project has this projectId.");
  }
  if (meta.origin && project.allowedOrigins.length > 0 && !project.allowedOrigins.includes(meta.origin)) {
    throw new RegistrationRejected(
      403,
      "origin_not_allowed",
      `Origin ${meta.origin} is not among this project's allowed origins.`,
    );
  }
  const page = registration.pageId
    ? await prisma.funnelPage.findFirst({
        where: { id: registration.pageId, projectId: project.id },
        select: { id: true, url: true },
      })
    : null;
  if (registration.pageId && !page) {
    throw new RegistrationRejected(404, "page_not_found", "This project has no page with this pageId.");
  }

  const contactId = randomUUID();
  const eventId = `evt_${randomUUID().replaceAll("-", "")}`;
  const createdAt = new Date();
  const body = buildRegistrationWebhook({
    eventId,
    contactId,
    createdAt,
    registration,
    project,
    page,
    userAgent: meta.userAgent,
  });
  const r = registration;
  const [row] = await prisma.$queryRaw<{ contact_id: string | null; delivery_ids: string[] }[]>`
    WITH contact AS (
      INSERT INTO contacts (id, user_id, funnel_project_id, funnel_page_id, email, name,
        utm_source, utm_medium, utm_campaign, utm_term, utm_content, first_touch, visitor_id, user_agent,
        referrer, page_url, landing_page, custom_fields, idempotency_key, created_at)
      VALUES (${contactId}::uuid, ${project.userId}::uuid, ${project.id}::uuid, ${page?.id ?? null}::uuid,
        ${r.email}, ${r.name ?? null}, ${r.utm?.source ?? null}, ${r.utm?.medium ?? null},
        ${r.utm?.campaign ?? null}, ${r.utm?.term ?? null}, ${r.utm?.content ?? null},
        ${r.firstTouch ? JSON.stringify(r.firstTouch) : null}::jsonb, ${r.visitorId ?? null}, ${meta.userAgent},
        ${r.referrer ?? null}, ${r.pageUrl ?? null}, ${r.landingPage ?? null},
        ${JSON.stringify(r.fields ?? {})}::jsonb, ${meta.idempotencyKey}, ${createdAt})
      ON CONFLICT (funnel_project_id, idempotency_key) DO NOTHING
      RETURNING id, user_id
    ), deliveries AS (
      INSERT INTO webhook_deliveries (user_id, endpoint_id, contact_id, event_id, event_type, body)
      SELECT contact.user_id, e.id, contact.id, ${eventId}, 'registration.submitted', ${body}
      FROM contact JOIN webhook_endpoints e ON e.user_id = contact.user_id AND e.enabled
      RETURNING id
    )
    SELECT (SELECT id::text FROM contact) AS contact_id,
           coalesce((SELECT array_agg(id::text) FROM deliveries), '{}') AS delivery_ids`;

  if (row?.contact_id) return { contactId: row.contact_id, deliveryIds: row.delivery_ids, replayed: false };

  // The key was used before (perhaps by a concurrent request): answer with the first contact.
  const first = await prisma.contact.findFirst({
    where: { funnelProjectId: project.id, idempotencyKey: meta.idempotencyKey },
    select: { id: true },
  });
  if (!first) throw new Error("registration insert returned no contact and no earlier one exists");
  return { contactId: first.id, deliveryIds: [], replayed: true };
}
