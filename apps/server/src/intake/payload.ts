import type {
  FlatRegistrationWebhook,
  PayloadFormat,
  Registration,
  RegistrationWebhook,
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
      fields: r.fields ?? {},
    },
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
    ...(Object.fromEntries(fields) as Record<string, string | number | boolean | null>),
  };
}
