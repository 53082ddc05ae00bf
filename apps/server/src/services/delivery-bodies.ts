import type { SqlRunner } from "../db";
import { uuidArray } from "../db/sql";
import { rebuiltRegistrationBody, type StoredRegistration } from "../intake/payload";

/** A delivery's stored body, or what rebuilds it: its contact, and the project and page it names. */
type BodySource = Omit<StoredRegistration, "contact_id"> & {
  id: string;
  body: string | null;
  event_type: string;
  contact_id: string | null;
};

const BODY_SOURCES = `SELECT d.id::text AS id, d.body, d.event_id, d.event_type,
    d.payload_format::text AS payload_format, c.id::text AS contact_id, c.created_at, c.email, c.name,
    c.phone, c.consent_given, c.consent_text, c.consent_at, c.utm_source, c.utm_medium, c.utm_campaign,
    c.utm_term, c.utm_content, c.first_touch, c.visitor_id, c.user_agent, c.referrer, c.page_url,
    c.landing_page, c.custom_fields, c.funnel_project_id::text AS project_id, p.name AS project_name,
    c.funnel_page_id::text AS page_id, pg.url AS page_default_url
  FROM webhook_deliveries d
    LEFT JOIN contacts c ON c.id = d.contact_id
    LEFT JOIN funnel_projects p ON p.id = c.funnel_project_id
    LEFT JOIN funnel_pages pg ON pg.id = c.funnel_page_id
  WHERE d.id = ANY($1::uuid[]) AND d.user_id = $2::uuid`;

/**
 * Each delivery's body, by id, for the account's own deliveries: the stored one while it is pending
 * (or from before bodies were rebuilt), else a registration's rebuilt from its contact; null when
 * neither exists (its contact erased, or a `contact.deleted` that was sent).
 */
export async function deliveryBodies(
  sql: SqlRunner,
  userId: string,
  ids: string[],
): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<BodySource>(BODY_SOURCES, [uuidArray(ids), userId]);
  return new Map(rows.map((row) => [row.id, bodyOf(row)]));
}

function bodyOf(row: BodySource): string | null {
  if (row.body !== null) return row.body;
  if (row.event_type !== "registration.submitted" || row.contact_id === null) return null;
  return rebuiltRegistrationBody({ ...row, contact_id: row.contact_id });
}

/**
 * A body as the API shows it: the JSON it is, parsed; kept as text if it is not JSON (a body is
 * always JSON Genie built, but what is shown must never throw); null when there is none.
 */
export function parsedBody(body: string | null | undefined): unknown {
  if (body == null) return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
