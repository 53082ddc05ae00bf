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

/** First-touch attribution as stored and sent: the visitor's first visit, every key present. */
export const storedFirstTouchSchema = z.object({
  utm: storedUtmSchema,
  /** The page the first visit landed on. */
  landingPage: nullableString,
  referrer: nullableString,
  /** When the first visit happened (the page's clock). */
  at: nullableString,
});
export type StoredFirstTouch = z.infer<typeof storedFirstTouchSchema>;

/** Consent as stored and sent: the text shown, whether it was checked, when (ISO-8601). */
export const storedConsentSchema = z.object({
  given: z.boolean(),
  text: z.string(),
  at: z.string(),
});
export type StoredConsent = z.infer<typeof storedConsentSchema>;

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
    /** E.164 (`+14155550123`), or null when the form had no phone. */
    phone: nullableString,
    /** Null when the form had no consent checkbox. */
    consent: storedConsentSchema.nullable(),
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
    /** The UTM parameters of the visit that led to this registration (last touch). */
    utm: storedUtmSchema,
    /** The page that visit landed on (the form may be on another page: `funnel.pageUrl`). */
    landingPage: nullableString,
    /** The visitor's first visit, when the form SDK knew it (null otherwise). */
    firstTouch: storedFirstTouchSchema.nullable(),
    /** Custom fields, and the click ids the form SDK found (`gclid`, `fbclid`, `msclkid`). */
    fields: z.record(z.string(), z.unknown()),
  }),
});
export type RegistrationWebhook = z.infer<typeof registrationWebhookSchema>;

/**
 * The same webhook for an endpoint whose `payloadFormat` is `flat`: one level of snake_case keys,
 * which CRM field pickers (GoHighLevel, Zapier) show as they are. `first_name` is the name up to its
 * first space and `last_name` the rest (null for a one-word name); custom fields are `field_<name>`.
 * Consent is `consent_given`, `consent_text`, `consent_at`; first touch is `first_touch_*`; all null
 * when the registration had none.
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
  phone: nullableString,
  consent_given: z.boolean().nullable(),
  consent_text: nullableString,
  consent_at: nullableString,
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
  landing_page: nullableString,
  first_touch_utm_source: nullableString,
  first_touch_utm_medium: nullableString,
  first_touch_utm_campaign: nullableString,
  first_touch_utm_term: nullableString,
  first_touch_utm_content: nullableString,
  first_touch_landing_page: nullableString,
  first_touch_referrer: nullableString,
  first_touch_at: nullableString,
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
