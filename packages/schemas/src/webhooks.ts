import { z } from "zod";
import { customHeadersSchema, endpointUrlSchema } from "./endpoints";
import { PAYLOAD_FORMATS, SUBSCRIBABLE_EVENTS } from "./limits";

/** The events Genie sends: those endpoints subscribe to, and the test button's. */
export const WEBHOOK_EVENTS = [...SUBSCRIBABLE_EVENTS, "webhook.test"] as const;
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
 * The same webhook for an endpoint whose `payloadFormat` is `flat`: one level of snake_case keys,
 * which CRM field pickers (GoHighLevel, Zapier) show as they are. `first_name` is the name up to its
 * first space and `last_name` the rest (null for a one-word name); custom fields are `field_<name>`.
 */
const flatCoreSchema = z.object({
  event: z.enum(WEBHOOK_EVENTS),
  event_id: z.string(),
  timestamp: z.iso.datetime(),
  contact_id: z.string(),
  email: z.string(),
  name: nullableString,
  first_name: nullableString,
  last_name: nullableString,
  project_id: z.string(),
  project_name: z.string(),
  page_id: nullableString,
  page_url: nullableString,
  visitor_id: nullableString,
  user_agent: nullableString,
  referrer: nullableString,
  utm_source: nullableString,
  utm_medium: nullableString,
  utm_campaign: nullableString,
  utm_term: nullableString,
  utm_content: nullableString,
});
export const flatRegistrationWebhookSchema = flatCoreSchema
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .refine(
    (body) => Object.keys(body).every((key) => key in flatCoreSchema.shape || key.startsWith("field_")),
    {
      message: "keys beyond the core ones are custom fields, field_<name>",
    },
  );
export type FlatRegistrationWebhook = z.infer<typeof flatRegistrationWebhookSchema>;

/**
 * `contact.deleted` (opt-in: an endpoint receives it only when its eventTypes name it): the account
 * owner erased a contact, so the CRM can erase it too. Genie removes its own copy of this body as
 * soon as it is delivered or given up.
 */
export const contactDeletedWebhookSchema = z.object({
  id: z.string(),
  event: z.literal("contact.deleted"),
  timestamp: z.iso.datetime(),
  data: z.object({ contactId: z.string(), email: z.string() }),
});
export const flatContactDeletedWebhookSchema = z.strictObject({
  event: z.literal("contact.deleted"),
  event_id: z.string(),
  timestamp: z.iso.datetime(),
  contact_id: z.string(),
  email: z.string(),
});

/**
 * webhooks.sendTest: one signed `webhook.test` attempt, to a saved endpoint (signed with its secret)
 * or to a URL typed in the form and not saved yet (signed with a throwaway secret).
 */
export const sendTestSchema = z.union([
  z.strictObject({ endpointId: z.uuid() }),
  z.strictObject({
    url: endpointUrlSchema,
    customHeaders: customHeadersSchema.default({}),
    /** The body shape to try, as the endpoint would have it. */
    payloadFormat: z.enum(PAYLOAD_FORMATS).default("nested"),
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
  /** The exact body that was sent, so fields can be mapped in the CRM from it. */
  body: z.string(),
});
export type SendTestView = z.input<typeof sendTestResultSchema>;
