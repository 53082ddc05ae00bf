import { z } from "zod";
import { storableText, timestampSchema } from "./common";
import { CRM_KINDS, PACING_MAX, RETRY_PRESET_NAMES } from "./endpoint-options";
import {
  HOP_BY_HOP_HEADER_NAMES,
  MAX_CUSTOM_HEADERS,
  MAX_URL_LENGTH,
  PAYLOAD_FORMATS,
  RESERVED_HEADER_NAMES,
  SUBSCRIBABLE_EVENTS,
} from "./limits";

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be an HTTP header name (letters, digits, - …)")
  .refine((name) => !(RESERVED_HEADER_NAMES as readonly string[]).includes(name.toLowerCase()), {
    message: "is set by Genie itself",
  })
  .refine(
    (name) =>
      !(HOP_BY_HOP_HEADER_NAMES as readonly string[]).includes(name.toLowerCase()) &&
      !name.toLowerCase().startsWith("proxy-"),
    { message: "is about the connection, not the request (hop-by-hop): HTTP sets it itself" },
  );
// Visible ASCII and spaces only: a line break would smuggle a second header.
const headerValue = z
  .string()
  .min(1, "must not be empty")
  .max(1000, "must be at most 1000 characters")
  .regex(/^[\x20-\x7e]+$/, "must be printable ASCII");

/**
 * Why a URL is not written the way it will be used, or null. The URL parser repairs many mistakes
 * silently (`http:///hook` becomes `http://hook/`, a backslash becomes a slash, a space becomes
 * `%20`, `http://1.2.3/` becomes `http://1.2.0.3/`); saving the repair would send webhooks somewhere
 * the owner never typed, so such URLs are refused with the reason.
 */
export function urlRepairProblem(value: string): string | null {
  // Not meant as an http(s) URL at all: the URL check explains that better.
  if (!/^\s*https?:/i.test(value)) return null;
  if ([...value].some((char) => char <= " " || char === "\x7f" || /\s/u.test(char))) {
    return "must not contain spaces or control characters (percent-encode them)";
  }
  if (value.includes("\\")) return "must not contain backslashes (use / in paths)";
  const authority = /^https?:\/\/([^/?#]*)/i.exec(value)?.[1];
  if (!authority) return "must be written as http(s)://host/path, with the host right after the two slashes";
  let hostname: string;
  try {
    hostname = new URL(value).hostname;
  } catch {
    return null; // not a URL at all: the url check says so
  }
  const written = authority.replace(/^.*@/, "").replace(/:\d*$/, "").replace(/\.$/, "");
  if (/^[\d.]+$/.test(hostname) && written.toLowerCase() !== hostname) {
    return `must write an IPv4 address as four decimal numbers (${hostname})`;
  }
  return null;
}

/**
 * A receiver's address: http(s), written exactly as it will be used (see `urlRepairProblem`), checked
 * against the SSRF rules by the server when saved. The written-as-used check sees the raw text: the
 * URL check trims it and drops tabs and newlines.
 */
export const endpointUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .check(storableText)
  .check((ctx) => {
    const problem = urlRepairProblem(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
  })
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }));

/** An endpoint's own headers (Make.com's `x-make-apikey`, `Authorization`), sent with every attempt. */
export const customHeadersSchema = z
  .record(headerName, headerValue)
  .refine((h) => Object.keys(h).length <= MAX_CUSTOM_HEADERS, `at most ${MAX_CUSTOM_HEADERS} headers`);

const name = z.string().trim().max(100, "must be at most 100 characters").check(storableText);

/** Routing by project: null receives every project of the account (also ones created later). */
const projectIds = z
  .array(z.uuid({ error: "must be a funnel project id (uuid)" }))
  .max(500, "at most 500 projects")
  .transform((ids) => [...new Set(ids)])
  .nullable();

/**
 * Routing by event: null receives the default events. A list names what it receives; to receive
 * nothing, disable the endpoint instead.
 */
const eventTypes = z
  .array(
    z.enum(SUBSCRIBABLE_EVENTS, {
      error: (issue) =>
        `unknown event type ${JSON.stringify(issue.input)}: one of ${SUBSCRIBABLE_EVENTS.join(", ")}`,
    }),
  )
  .min(1, "name at least one event type, or null for the default events")
  .transform((types) => [...new Set(types)])
  .nullable();

const payloadFormat = z.enum(PAYLOAD_FORMATS);

/** A pacing limit: a whole number from 1 to PACING_MAX, or null for none. */
const pacingLimit = (what: string) =>
  z
    .number({ error: `${what} must be a whole number, or null for no limit` })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be at least 1 (null: no limit)`)
    .max(PACING_MAX, `${what} must be at most ${PACING_MAX}`)
    .nullable();
/** Attempts started per second to the endpoint, across every worker; null: no limit of its own. */
const rateLimitPerSecond = pacingLimit("rateLimitPerSecond");
/** Attempts in flight to the endpoint at once, across every worker; null: no limit of its own. */
const maxConcurrency = pacingLimit("maxConcurrency");

export const endpointCreateSchema = z.strictObject({
  name: name.default(""),
  url: endpointUrlSchema,
  enabled: z.boolean().default(true),
  retryPreset: z.enum(RETRY_PRESET_NAMES).default("standard"),
  crm: z.enum(CRM_KINDS).default("custom"),
  customHeaders: customHeadersSchema.default({}),
  projectIds: projectIds.default(null),
  eventTypes: eventTypes.default(null),
  payloadFormat: payloadFormat.default("nested"),
  /** Unset: the CRM's documented limit (CRM_PACING_DEFAULTS), else none. */
  rateLimitPerSecond: rateLimitPerSecond.optional(),
  maxConcurrency: maxConcurrency.optional(),
});
export type EndpointCreateInput = z.input<typeof endpointCreateSchema>;
export type EndpointCreate = z.output<typeof endpointCreateSchema>;

/**
 * A partial update. Header values are never sent back to the browser, so `customHeaders` is a patch:
 * a string sets that header, `null` removes it, a header not named keeps its value.
 */
export const endpointUpdateSchema = z.strictObject({
  id: z.uuid(),
  name: name.optional(),
  url: endpointUrlSchema.optional(),
  enabled: z.boolean().optional(),
  retryPreset: z.enum(RETRY_PRESET_NAMES).optional(),
  crm: z.enum(CRM_KINDS).optional(),
  customHeaders: z.record(headerName, headerValue.nullable()).optional(),
  projectIds: projectIds.optional(),
  eventTypes: eventTypes.optional(),
  payloadFormat: payloadFormat.optional(),
  rateLimitPerSecond: rateLimitPerSecond.optional(),
  maxConcurrency: maxConcurrency.optional(),
});
export type EndpointUpdateInput = z.input<typeof endpointUpdateSchema>;
export type EndpointUpdate = z.output<typeof endpointUpdateSchema>;

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
export type RotateSecretInput = z.input<typeof rotateSecretSchema>;
export type RotateSecret = z.output<typeof rotateSecretSchema>;

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
  /** The projects it receives; null: every project of the account. */
  projectIds: z.array(z.string()).nullable(),
  /** The event types it receives; null: the default events. */
  eventTypes: z.array(z.enum(SUBSCRIBABLE_EVENTS)).nullable(),
  payloadFormat: z.enum(PAYLOAD_FORMATS),
  /** Pacing across every worker: attempts started per second and in flight at once (null: no limit). */
  rateLimitPerSecond: z.number().nullable(),
  maxConcurrency: z.number().nullable(),
  /** Set when its routing lets nothing through (every project on its list was deleted), in words. */
  routingWarning: z.string().nullable(),
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
  /** The last failed attempt's error in words ("receiver answered 503", "connection refused"). */
  lastError: z.string().nullable(),
});
export type EndpointHealth = z.input<typeof endpointHealthSchema>;
