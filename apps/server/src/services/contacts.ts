import type {
  ById,
  ContactDetailView,
  ContactExportView,
  ContactListQuery,
  ContactView,
} from "@genie/schemas";
import type { Database } from "../db";
import { keysetAfter, keysetPage } from "../db/keyset";
import { sqlParams } from "../db/sql";
import { notFound } from "../errors";
import { type StoredContact, storedFirstTouch } from "../intake/payload";
import { deliveryBodies, parsedBody } from "./delivery-bodies";

type ContactRow = StoredContact & {
  id: string;
  project_id: string;
  page_id: string | null;
  custom_fields: Record<string, unknown> | null;
};

/** `%` and `_` typed into the search box are searched for, not wildcards. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page of an account's contacts, newest first, by keyset on (created_at, id) (index
 * contacts(user_id, created_at, id), read backwards). The search is a substring of the email or name.
 */
export async function listContacts(db: Database, userId: string, query: ContactListQuery) {
  const p = sqlParams();
  const where = [`user_id = ${p.add(userId)}::uuid`];
  if (query.cursor) where.push(keysetAfter(p, query.cursor));
  if (query.projectId) where.push(`funnel_project_id = ${p.add(query.projectId)}::uuid`);
  if (query.search) {
    const pattern = p.add(likePattern(query.search));
    where.push(`(email ILIKE ${pattern} OR name ILIKE ${pattern})`);
  }
  const rows = await db.sql.query<ContactRow>(
    `SELECT id::text, created_at, email, name, phone, consent_given, consent_text, consent_at,
            funnel_project_id::text AS project_id,
            funnel_page_id::text AS page_id, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
            visitor_id, referrer, page_url, landing_page, first_touch, custom_fields
     FROM contacts WHERE ${where.join(" AND ")}
     ORDER BY created_at DESC, id DESC LIMIT ${p.add(query.limit + 1)}::int`,
    p.values,
  );
  return keysetPage(rows, query.limit, toContactView);
}

/** One contact for its page: no webhook bodies (its deliveries are listed by deliveries.list). */
export async function getContact(db: Database, userId: string, { id }: ById): Promise<ContactDetailView> {
  const [row] = await db.sql.query<
    ContactRow & { project_name: string; page_name: string | null; user_agent: string | null }
  >(
    `SELECT c.id::text, c.created_at, c.email, c.name, c.phone, c.consent_given, c.consent_text,
            c.consent_at, c.funnel_project_id::text AS project_id,
            c.funnel_page_id::text AS page_id, c.utm_source, c.utm_medium, c.utm_campaign, c.utm_term,
            c.utm_content, c.visitor_id, c.referrer, c.page_url, c.landing_page, c.custom_fields,
            p.name AS project_name, pg.name AS page_name, c.user_agent, c.first_touch
     FROM contacts c JOIN funnel_projects p ON p.id = c.funnel_project_id
     LEFT JOIN funnel_pages pg ON pg.id = c.funnel_page_id
     WHERE c.id = $1::uuid AND c.user_id = $2::uuid`,
    [id, userId],
  );
  if (!row) throw notFound("Contact");
  return {
    ...toContactView(row),
    projectName: row.project_name,
    pageName: row.page_name,
    userAgent: row.user_agent,
  };
}

/** Consent columns as one value; null when the form had no consent checkbox. */
function consentView(given: boolean | null, text: string | null, at: Date | string | null) {
  return given === null || text === null || at === null
    ? null
    : { given, text, at: new Date(at).toISOString() };
}

function toContactView(row: ContactRow): ContactView & { createdAt: Date } {
  return {
    id: row.id,
    createdAt: new Date(row.created_at),
    email: row.email,
    name: row.name,
    phone: row.phone,
    consent: consentView(row.consent_given, row.consent_text, row.consent_at),
    projectId: row.project_id,
    pageId: row.page_id,
    utm: {
      source: row.utm_source,
      medium: row.utm_medium,
      campaign: row.utm_campaign,
      term: row.utm_term,
      content: row.utm_content,
    },
    visitorId: row.visitor_id,
    referrer: row.referrer,
    pageUrl: row.page_url,
    landingPage: row.landing_page,
    // PGlite may hand jsonb over as text.
    firstTouch: storedFirstTouch(
      typeof row.first_touch === "string" ? JSON.parse(row.first_touch) : row.first_touch,
    ),
    customFields: row.custom_fields ?? {},
  };
}

const CSV_COLUMNS = [
  "created_at",
  "email",
  "name",
  "phone",
  "consent_given",
  "consent_text",
  "consent_at",
  "project_id",
  "page_id",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "visitor_id",
  "referrer",
  "page_url",
  "landing_page",
  "first_touch_utm_source",
  "first_touch_utm_medium",
  "first_touch_utm_campaign",
  "first_touch_utm_term",
  "first_touch_utm_content",
  "first_touch_landing_page",
  "first_touch_referrer",
  "first_touch_at",
  "custom_fields",
] as const;

/**
 * A CSV cell (RFC 4180 quoting). Text a spreadsheet would run as a formula (=, +, -, @, tab, CR) is
 * prefixed with a quote: contact data comes from anonymous visitors.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The account's contacts as CSV lines, read in pages so memory stays flat however many there are. */
export async function* contactsCsv(
  db: Database,
  userId: string,
  filters: Omit<ContactListQuery, "cursor" | "limit">,
): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(",")}\r\n`;
  let cursor: string | undefined;
  // Bounded: each page moves the keyset strictly back in time, and the loop ends on a short page.
  for (;;) {
    const page = await listContacts(db, userId, { ...filters, limit: 1000, ...(cursor && { cursor }) });
    const lines = page.items.map((c) =>
      [
        c.createdAt.toISOString(),
        c.email,
        c.name,
        c.phone,
        c.consent?.given,
        c.consent?.text,
        c.consent?.at,
        c.projectId,
        c.pageId,
        c.utm.source,
        c.utm.medium,
        c.utm.campaign,
        c.utm.term,
        c.utm.content,
        c.visitorId,
        c.referrer,
        c.pageUrl,
        c.landingPage,
        c.firstTouch?.utm.source,
        c.firstTouch?.utm.medium,
        c.firstTouch?.utm.campaign,
        c.firstTouch?.utm.term,
        c.firstTouch?.utm.content,
        c.firstTouch?.landingPage,
        c.firstTouch?.referrer,
        c.firstTouch?.at,
        Object.keys(c.customFields).length > 0 ? c.customFields : null,
      ]
        .map(csvCell)
        .join(","),
    );
    if (lines.length > 0) yield `${lines.join("\r\n")}\r\n`;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** contacts.export: everything Genie holds about one contact, for an access request (GDPR art. 15). */
export async function exportContact(db: Database, userId: string, { id }: ById): Promise<ContactExportView> {
  const contact = await db.prisma.contact.findFirst({ where: { id, userId } });
  if (!contact) throw notFound("Contact");
  const deliveries = await db.prisma.webhookDelivery.findMany({
    where: { contactId: id, userId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      eventId: true,
      eventType: true,
      status: true,
      createdAt: true,
      completedAt: true,
      logs: {
        orderBy: { attemptNumber: "asc" },
        select: { createdAt: true, attemptNumber: true, success: true, statusCode: true, webhookUrl: true },
      },
    },
  });
  const bodies = await deliveryBodies(
    db.sql,
    userId,
    deliveries.map((delivery) => delivery.id),
  );
  return {
    contact: {
      id: contact.id,
      createdAt: contact.createdAt,
      email: contact.email,
      name: contact.name,
      phone: contact.phone,
      consent: consentView(contact.consentGiven, contact.consentText, contact.consentAt),
      projectId: contact.funnelProjectId,
      pageId: contact.funnelPageId,
      utm: {
        source: contact.utmSource,
        medium: contact.utmMedium,
        campaign: contact.utmCampaign,
        term: contact.utmTerm,
        content: contact.utmContent,
      },
      visitorId: contact.visitorId,
      referrer: contact.referrer,
      pageUrl: contact.pageUrl,
      landingPage: contact.landingPage,
      customFields: (contact.customFields ?? {}) as Record<string, unknown>,
      userAgent: contact.userAgent,
      idempotencyKey: contact.idempotencyKey,
      firstTouch: storedFirstTouch(contact.firstTouch),
    },
    deliveries: deliveries.map(({ logs, ...delivery }) => ({
      ...delivery,
      body: parsedBody(bodies.get(delivery.id)),
      attempts: logs,
    })),
  };
}
