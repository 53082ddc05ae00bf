import { z } from "zod";

/** The events Genie sends. */
export const WEBHOOK_EVENTS = ["registration.submitted", "webhook.test"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

const nullableString = z.string().nullable();

/** UTM parameters as stored and sent: every key present, `null` where the visit had none. */
export const storedUtmSchema = z.object({
  source: nullableString,
  medium: nullableString,
  campaign: nullableString,
  term: nullableString,
  content: nullableString,
});

/**
 * The webhook body, as the original spec defines it (`event`, `timestamp`, `data.{email, name,
 * funnel, visitor, utm}`) plus the event id (also sent as `webhook-id`), the contact id and the
 * custom fields. Absent values are `null`, so every key is always there for CRM field mapping.
 */
export const registrationWebhookSchema = z.object({
  id: z.string(),
  event: z.literal("registration.submitted"),
  timestamp: z.iso.datetime(),
  data: z.object({
    contactId: z.string(),
    email: z.string(),
    name: nullableString,
    funnel: z.object({
      projectId: z.string(),
      projectName: z.string(),
      pageId: nullableString,
      pageUrl: nullableString,
    }),
    visitor: z.object({
      id: nullableString,
      userAgent: nullableString,
      referrer: nullableString,
    }),
    utm: storedUtmSchema,
    fields: z.record(z.string(), z.unknown()),
  }),
});
export type RegistrationWebhook = z.infer<typeof registrationWebhookSchema>;
