import type { Registration, RegistrationWebhook } from "@genie/schemas";

export type RegistrationEventFacts = {
  eventId: string;
  contactId: string;
  createdAt: Date;
  registration: Registration;
  project: { id: string; name: string };
  page: { id: string; url: string } | null;
  userAgent: string | null;
};

/**
 * The webhook body for one registration, serialised once: these exact bytes are stored with each
 * delivery, signed and sent, so every retry and redelivery is byte-for-byte the same.
 */
export function buildRegistrationWebhook(facts: RegistrationEventFacts): string {
  const { registration: r } = facts;
  const body: RegistrationWebhook = {
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
  return JSON.stringify(body);
}
