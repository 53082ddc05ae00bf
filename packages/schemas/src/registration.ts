import { z } from "zod";
import { storableText } from "./common";
import {
  CUSTOM_FIELD_NAME,
  HONEYPOT_FIELD,
  REGISTRATION_LIMITS as LIMITS,
  MAX_EMAIL_LENGTH,
  MAX_URL_LENGTH,
} from "./limits";

const text = (max: number = LIMITS.text) =>
  z.string().trim().max(max, `must be at most ${max} characters`).check(storableText);
const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .check(storableText);

/** UTM parameters as the page URL carried them. */
export const utmSchema = z.strictObject({
  source: text().optional(),
  medium: text().optional(),
  campaign: text().optional(),
  term: text().optional(),
  content: text().optional(),
});
export type Utm = z.infer<typeof utmSchema>;

/** Where a visitor first came from, kept by the form SDK across page views. */
export const firstTouchSchema = z.strictObject({
  utm: utmSchema.optional(),
  landingPage: httpUrl.optional(),
  referrer: text(MAX_URL_LENGTH).optional(),
  at: z.iso.datetime({ error: "must be an ISO-8601 date-time" }).optional(),
});

/**
 * What the visitor agreed to: the words shown beside the checkbox, whether it was checked, and when
 * (the page's clock; the server's time of receipt when absent). Stored with the contact as proof.
 */
export const consentSchema = z.strictObject({
  text: text(LIMITS.consentText).min(1, "must not be empty"),
  given: z.boolean({ error: "must be true or false" }),
  at: z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" }).optional(),
});
export type Consent = z.output<typeof consentSchema>;

/** Custom form fields: flat name → value. Names are identifiers; values are scalars, so nothing can nest. */
export const customFieldsSchema = z
  .record(
    z.string().regex(CUSTOM_FIELD_NAME, "field names are letters, digits, _ . - (max 64)"),
    z.union([text(LIMITS.customFieldValue), z.number().finite(), z.boolean(), z.null()], {
      // A string that fails its text rules says which rule; anything else gets the union's words.
      error: (issue) =>
        (typeof issue.input === "string" &&
          issue.code === "invalid_union" &&
          issue.errors[0]?.[0]?.message) ||
        "must be text, a number, true, false or null",
    }),
  )
  .refine(
    (fields) => Object.keys(fields).length <= LIMITS.customFields,
    `at most ${LIMITS.customFields} custom fields`,
  );

/** The body of `POST /api/contacts`: one registration from a funnel page. */
export const registrationSchema = z.strictObject({
  email: z
    .email({ error: "must be a valid email address" })
    .max(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`)
    .check(storableText),
  name: text(LIMITS.name).optional(),
  /**
   * A phone number as typed: the server stores it in E.164 (`+14155550123`), reading national
   * numbers with the funnel project's default country, and refuses text that is not a number.
   */
  phone: text(LIMITS.phone).optional(),
  consent: consentSchema.optional(),
  projectId: z.uuid({ error: "must be a funnel project id (uuid)" }),
  pageId: z.uuid({ error: "must be a funnel page id (uuid)" }).optional(),
  pageUrl: httpUrl.optional(),
  landingPage: httpUrl.optional(),
  referrer: text(MAX_URL_LENGTH).optional(),
  visitorId: text(LIMITS.visitorId).optional(),
  utm: utmSchema.optional(),
  firstTouch: firstTouchSchema.optional(),
  fields: customFieldsSchema.optional(),
  [HONEYPOT_FIELD]: z.string().max(LIMITS.text).check(storableText).optional(),
});
export type RegistrationInput = z.input<typeof registrationSchema>;
export type Registration = z.output<typeof registrationSchema>;

/** What `POST /api/contacts` answers with 201. */
export type RegistrationView = { id: string };
