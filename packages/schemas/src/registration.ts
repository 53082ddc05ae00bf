import { z } from "zod";
import { storableText } from "./errors";

const MAX_URL = 2048;
const MAX_TEXT = 500;

const text = (max = MAX_TEXT) =>
  z.string().trim().max(max, `must be at most ${max} characters`).check(storableText);
const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(MAX_URL, `must be at most ${MAX_URL} characters`)
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
  referrer: text(MAX_URL).optional(),
  at: z.iso.datetime({ error: "must be an ISO-8601 date-time" }).optional(),
});

/**
 * Custom form fields: flat name → value. Names are identifiers (this also keeps `__proto__` and
 * friends out); values are scalars, so nothing can nest.
 */
export const customFieldsSchema = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "field names are letters, digits, _ . - (max 64)"),
    z.union([text(2000), z.number().finite(), z.boolean(), z.null()], {
      // A string that fails its text rules says which rule; anything else gets the union's words.
      error: (issue) =>
        (typeof issue.input === "string" &&
          issue.code === "invalid_union" &&
          issue.errors[0]?.[0]?.message) ||
        "must be text, a number, true, false or null",
    }),
  )
  .refine((fields) => Object.keys(fields).length <= 50, "at most 50 custom fields");

/** The name of the hidden honeypot input: people leave it empty, form-filling bots do not. */
export const HONEYPOT_FIELD = "_hp";

/** The body of `POST /api/contacts`: one registration from a funnel page. */
export const registrationSchema = z.strictObject({
  email: z
    .email({ error: "must be a valid email address" })
    .max(254, "must be at most 254 characters")
    .check(storableText),
  name: text(200).optional(),
  projectId: z.uuid({ error: "must be a funnel project id (uuid)" }),
  pageId: z.uuid({ error: "must be a funnel page id (uuid)" }).optional(),
  pageUrl: httpUrl.optional(),
  landingPage: httpUrl.optional(),
  referrer: text(MAX_URL).optional(),
  visitorId: text(128).optional(),
  utm: utmSchema.optional(),
  firstTouch: firstTouchSchema.optional(),
  fields: customFieldsSchema.optional(),
  [HONEYPOT_FIELD]: z.string().max(MAX_TEXT).check(storableText).optional(),
});
export type Registration = z.infer<typeof registrationSchema>;

/** What `POST /api/contacts` answers with 201. */
export type RegistrationAccepted = { id: string };

/** Every 4xx of the public REST API. */
export type ApiError = {
  statusCode: number;
  error: string;
  message: string;
  fieldErrors?: Record<string, string[]>;
};
