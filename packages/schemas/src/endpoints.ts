import { z } from "zod";
import { timestampSchema } from "./accounts";
import { CRM_KINDS, RETRY_PRESET_NAMES } from "./endpoint-options";

export const MAX_CUSTOM_HEADERS = 10;

/** Headers that make a request verifiable or well-formed: an endpoint's own headers cannot replace them. */
export const RESERVED_HEADER_NAMES = [
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "x-webhook-signature",
] as const;

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be an HTTP header name (letters, digits, - …)")
  .refine((name) => !(RESERVED_HEADER_NAMES as readonly string[]).includes(name.toLowerCase()), {
    message: "is set by Genie itself",
  });
// Visible ASCII and spaces only: a line break would smuggle a second header.
const headerValue = z
  .string()
  .min(1, "must not be empty")
  .max(1000, "must be at most 1000 characters")
  .regex(/^[\x20-\x7e]+$/, "must be printable ASCII");

const endpointUrl = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .max(2048, "must be at most 2048 characters");

const name = z.string().trim().max(100, "must be at most 100 characters");

export const endpointCreateSchema = z.strictObject({
  name: name.default(""),
  url: endpointUrl,
  enabled: z.boolean().default(true),
  retryPreset: z.enum(RETRY_PRESET_NAMES).default("standard"),
  crm: z.enum(CRM_KINDS).default("custom"),
  customHeaders: z
    .record(headerName, headerValue)
    .refine((h) => Object.keys(h).length <= MAX_CUSTOM_HEADERS, `at most ${MAX_CUSTOM_HEADERS} headers`)
    .default({}),
});
export type EndpointCreate = z.input<typeof endpointCreateSchema>;

/**
 * A partial update. Header values are never sent back to the browser, so `customHeaders` is a patch:
 * a string sets that header, `null` removes it, a header not named keeps its value.
 */
export const endpointUpdateSchema = z.strictObject({
  id: z.uuid(),
  name: name.optional(),
  url: endpointUrl.optional(),
  enabled: z.boolean().optional(),
  retryPreset: z.enum(RETRY_PRESET_NAMES).optional(),
  crm: z.enum(CRM_KINDS).optional(),
  customHeaders: z.record(headerName, headerValue.nullable()).optional(),
});
export type EndpointUpdate = z.input<typeof endpointUpdateSchema>;

export const byIdSchema = z.strictObject({ id: z.uuid({ error: "must be an id (uuid)" }) });

/** The old secret keeps signing beside the new one for this long, so receivers can switch over. */
export const rotateSecretSchema = z.strictObject({
  id: z.uuid(),
  graceHours: z
    .number()
    .int()
    .min(0)
    .max(7 * 24)
    .default(24),
});

/** An endpoint as every response shows it: the secret and header values masked. */
export const endpointSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  retryPreset: z.enum(RETRY_PRESET_NAMES),
  crm: z.enum(CRM_KINDS),
  /** `whsec_…` and the last 4 characters, enough to tell secrets apart. */
  secretHint: z.string(),
  /** Until then the previous secret signs too (after a rotation), else null. */
  previousSecretExpiresAt: timestampSchema.nullable(),
  /** Header names with masked values. */
  customHeaders: z.array(z.object({ name: z.string(), valueHint: z.string() })),
  disabledReason: z.string().nullable(),
  disabledAt: timestampSchema.nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
/** As the server returns it (Dates); clients receive the schema's output (ISO strings). */
export type EndpointView = z.input<typeof endpointSchema>;

/** The one response that carries the full secret: creating an endpoint, or rotating its secret. */
export const endpointWithSecretSchema = z.object({ endpoint: endpointSchema, secret: z.string() });

/** Updating an endpoint; re-enabling one also says how many deliveries failed while it was disabled. */
export const endpointUpdatedSchema = z.object({
  endpoint: endpointSchema,
  /** Set when this update re-enabled the endpoint: redeliver them with `deliveries.redeliverFailed`. */
  failedWhileDisabled: z.object({ count: z.number(), since: timestampSchema }).nullable(),
});

/**
 * webhooks.sendTest: one signed `webhook.test` attempt, to a saved endpoint (signed with its secret)
 * or to a URL typed in the form and not saved yet (signed with a throwaway secret).
 */
export const sendTestSchema = z.union([
  z.strictObject({ endpointId: z.uuid() }),
  z.strictObject({
    url: endpointUrl,
    customHeaders: z
      .record(headerName, headerValue)
      .refine((h) => Object.keys(h).length <= MAX_CUSTOM_HEADERS, `at most ${MAX_CUSTOM_HEADERS} headers`)
      .default({}),
  }),
]);
export type SendTestInput = z.output<typeof sendTestSchema>;

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
  /** The exact body that was signed and sent, so the owner can map fields from it. */
  body: z.string(),
});
export type SendTestResult = z.input<typeof sendTestResultSchema>;

/**
 * endpoints.health: how each endpoint's real deliveries have gone (test sends are left out, so a
 * test cannot make a failing endpoint look healthy).
 */
export const endpointHealthSchema = z.object({
  endpointId: z.string(),
  lastSuccessAt: timestampSchema.nullable(),
  lastFailureAt: timestampSchema.nullable(),
  /** Failed attempts since the last successful one (all of them when none ever succeeded). */
  failuresInARow: z.number(),
  /** Attempts in the last 24 hours and the share of them that succeeded (0–1, null without attempts). */
  attempts24h: z.number(),
  successRate24h: z.number().nullable(),
});
export type EndpointHealth = z.input<typeof endpointHealthSchema>;
