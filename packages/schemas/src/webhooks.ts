import { z } from "zod";
import { customHeadersSchema, endpointUrlSchema } from "./endpoints";

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

/**
 * webhooks.sendTest: one signed `webhook.test` attempt, to a saved endpoint (signed with its secret)
 * or to a URL typed in the form and not saved yet (signed with a throwaway secret).
 */
export const sendTestSchema = z.union([
  z.strictObject({ endpointId: z.uuid() }),
  z.strictObject({
    url: endpointUrlSchema,
    customHeaders: customHeadersSchema.default({}),
  }),
]);
export type SendTestInput = z.input<typeof sendTestSchema>;
export type SendTest = z.output<typeof sendTestSchema>;

export const sendTestResultSchema = z.object({
  ok: z.boolean(),
  url: z.string(),
  statusCode: z.number().nullable(),
  durationMs: z.number(),
  /** Why it failed: dns, connect, tls, timeout, reset, ssrf-blocked, invalid-request, network, http. */
  errorKind: z.string().nullable(),
  errorMessage: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  /** The headers of the request, signatures included; custom header values masked. */
  requestHeaders: z.record(z.string(), z.string()),
  /** The webhook_logs row this attempt was recorded as. */
  logId: z.string(),
});
export type SendTestView = z.input<typeof sendTestResultSchema>;
