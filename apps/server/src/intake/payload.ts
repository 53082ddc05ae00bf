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
      fields: r.fields ?? {},
    },
  };
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
