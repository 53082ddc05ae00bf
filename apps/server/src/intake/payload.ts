import type {
  FlatRegistrationWebhook,
  PayloadFormat,
  Registration,
  RegistrationWebhook,
  StoredConsent,
  StoredFirstTouch,
} from "@genie/schemas";

export type RegistrationEventFacts = {
  eventId: string;
  contactId: string;
  createdAt: Date;
  registration: Registration;
  project: { id: string; name: string };
  page: { id: string; url: string } | null;
  userAgent: string | null;
};

/** A registration's webhook in the spec's nested shape: the one source both body formats come from. */
export function registrationEvent(facts: RegistrationEventFacts): RegistrationWebhook {
  const { registration: r } = facts;
  return {
    id: facts.eventId,
    event: "registration.submitted",
    timestamp: facts.createdAt.toISOString(),
    data: {
      contactId: facts.contactId,
      email: r.email,
      name: r.name ?? null,
      phone: r.phone ?? null,
      consent: consentOf(r, facts.createdAt),
      funnel: {
        projectId: facts.project.id,
        projectName: facts.project.name,
        pageId: facts.page?.id ?? null,
        pageUrl: r.pageUrl ?? (facts.page?.url || null),
      },
      visitor: { id: r.visitorId ?? null, userAgent: facts.userAgent, referrer: r.referrer ?? null },
      utm: {
        source: r.utm?.source ?? null,
        medium: r.utm?.medium ?? null,
        campaign: r.utm?.campaign ?? null,
        term: r.utm?.term ?? null,
        content: r.utm?.content ?? null,
      },
      landingPage: r.landingPage ?? null,
      firstTouch: storedFirstTouch(r.firstTouch),
      fields: fieldsByName(r.fields),
    },
  };
}

/**
 * Custom fields ordered by name: a finished delivery's body is rebuilt from the contact (see
 * `rebuiltRegistrationBody`), whose column need not keep the order the page sent them in (it was
 * jsonb until 20261202200000, which orders keys its own way), so the body must not depend on it.
 */
function fieldsByName(fields: Registration["fields"]): NonNullable<Registration["fields"]> {
  return Object.fromEntries(Object.entries(fields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The consent a registration carries, its time in ISO-8601 UTC (the time of receipt when the page sent none). */
export function consentOf(r: Registration, receivedAt: Date): StoredConsent | null {
  if (!r.consent) return null;
  const at = r.consent.at ? new Date(r.consent.at) : receivedAt;
  return { given: r.consent.given, text: r.consent.text, at: at.toISOString() };
}

/**
 * First touch with every key present (null where the page knew nothing), as stored and sent; null
 * when there is none. Also reads rows stored before the shape was fixed (keys missing).
 */
export function storedFirstTouch(value: unknown): StoredFirstTouch | null {
  if (!value || typeof value !== "object") return null;
  const touch = value as {
    utm?: Record<string, unknown>;
    landingPage?: unknown;
    referrer?: unknown;
    at?: unknown;
  };
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    utm: {
      source: text(touch.utm?.source),
      medium: text(touch.utm?.medium),
      campaign: text(touch.utm?.campaign),
      term: text(touch.utm?.term),
      content: text(touch.utm?.content),
    },
    landingPage: text(touch.landingPage),
    referrer: text(touch.referrer),
    at: text(touch.at),
  };
}

/** A contact's columns as the database returns them (both drivers), those of a registration. */
export type StoredContact = {
  created_at: Date | string;
  email: string;
  name: string | null;
  phone: string | null;
  consent_given: boolean | null;
  consent_text: string | null;
  consent_at: Date | string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  first_touch: unknown;
  visitor_id: string | null;
  referrer: string | null;
  page_url: string | null;
  landing_page: string | null;
  custom_fields: unknown;
};

/** A registration's delivery as stored: its contact, and the project and page they name. */
export type StoredRegistration = StoredContact & {
  event_id: string;
  payload_format: PayloadFormat;
  contact_id: string;
  user_agent: string | null;
  project_id: string;
  project_name: string;
  page_id: string | null;
  page_default_url: string | null;
};

/**
 * The body of a registration's delivery, rebuilt from its stored contact: byte for byte the body the
 * intake built (the contact holds every value of it; `test/intake-properties.test.ts` checks this
 * for any registration), but for the project's name and page's address, which are read as they are now.
 * A delivery keeps its body only while it is pending (see the record statement), so this is how a
 * finished one is shown and sent again.
 */
export function rebuiltRegistrationBody(row: StoredRegistration): string {
  const optional = (value: string | null) => value ?? undefined;
  const createdAt = new Date(row.created_at);
  const registration: Registration = {
    email: row.email,
    name: optional(row.name),
    phone: optional(row.phone),
    consent:
      row.consent_given === null
        ? undefined
        : {
            given: row.consent_given,
            text: row.consent_text ?? "",
            at: row.consent_at === null ? undefined : new Date(row.consent_at).toISOString(),
          },
    projectId: row.project_id,
    pageUrl: optional(row.page_url),
    landingPage: optional(row.landing_page),
    referrer: optional(row.referrer),
    visitorId: optional(row.visitor_id),
    utm: {
      source: optional(row.utm_source),
      medium: optional(row.utm_medium),
      campaign: optional(row.utm_campaign),
      term: optional(row.utm_term),
      content: optional(row.utm_content),
    },
    // Stored as the page sent it; registrationEvent fills in what it lacks, as the intake's did.
    firstTouch: (row.first_touch ?? undefined) as Registration["firstTouch"],
    fields: (row.custom_fields ?? {}) as Registration["fields"],
  };
  const event = registrationEvent({
    eventId: row.event_id,
    contactId: row.contact_id,
    createdAt,
    registration,
    project: { id: row.project_id, name: row.project_name },
    page: row.page_id === null ? null : { id: row.page_id, url: row.page_default_url ?? "" },
    userAgent: row.user_agent,
  });
  return serializeWebhook(event, row.payload_format);
}

/** An event with the registration body's shape (a real one, or the test button's sample). */
type EventLike = Omit<RegistrationWebhook, "event"> & {
  event: RegistrationWebhook["event"] | "webhook.test";
};

/**
 * The webhook body an endpoint receives, serialised once: these exact bytes are stored with its
 * delivery, signed and sent, so every retry and redelivery is byte-for-byte the same.
 */
export function serializeWebhook(event: EventLike, format: PayloadFormat): string {
  return JSON.stringify(format === "flat" ? flatten(event) : event);
}

/**
 * The flat shape (see `flatRegistrationWebhookSchema`): the name split at its first space, so
 * "Mary Ann Smith" is first "Mary", last "Ann Smith", and "Cher" is first "Cher", last null.
 */
export function flatten(event: EventLike): FlatRegistrationWebhook {
  const { data } = event;
  const name = data.name?.trim() || null;
  const space = name ? name.search(/\s/) : -1;
  const fields = Object.entries(data.fields).map(([key, value]) => [`field_${key}`, value]);
  return {
    event: event.event,
    event_id: event.id,
    timestamp: event.timestamp,
    contact_id: data.contactId,
    email: data.email,
    name: data.name,
    first_name: name && space > 0 ? name.slice(0, space) : name,
    last_name: name && space > 0 ? name.slice(space).trim() : null,
    phone: data.phone,
    consent_given: data.consent?.given ?? null,
    consent_text: data.consent?.text ?? null,
    consent_at: data.consent?.at ?? null,
    project_id: data.funnel.projectId,
    project_name: data.funnel.projectName,
    page_id: data.funnel.pageId,
    page_url: data.funnel.pageUrl,
    visitor_id: data.visitor.id,
    user_agent: data.visitor.userAgent,
    referrer: data.visitor.referrer,
    utm_source: data.utm.source,
    utm_medium: data.utm.medium,
    utm_campaign: data.utm.campaign,
    utm_term: data.utm.term,
    utm_content: data.utm.content,
    landing_page: data.landingPage,
    first_touch_utm_source: data.firstTouch?.utm.source ?? null,
    first_touch_utm_medium: data.firstTouch?.utm.medium ?? null,
    first_touch_utm_campaign: data.firstTouch?.utm.campaign ?? null,
    first_touch_utm_term: data.firstTouch?.utm.term ?? null,
    first_touch_utm_content: data.firstTouch?.utm.content ?? null,
    first_touch_landing_page: data.firstTouch?.landingPage ?? null,
    first_touch_referrer: data.firstTouch?.referrer ?? null,
    first_touch_at: data.firstTouch?.at ?? null,
    ...(Object.fromEntries(fields) as Record<string, string | number | boolean | null>),
  };
}
