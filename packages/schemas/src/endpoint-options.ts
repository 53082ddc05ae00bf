// The choices of an endpoint's form, as plain data with no zod: the dashboard's first page loads them
// without the schema library (see apps/dashboard/scripts/bundle-budget.mjs).

export const CRM_KINDS = ["gohighlevel", "make", "zapier", "custom"] as const;
export type CrmKind = (typeof CRM_KINDS)[number];

export const RETRY_PRESET_NAMES = ["standard", "extended"] as const;
export type RetryPresetName = (typeof RETRY_PRESET_NAMES)[number];

/**
 * The waits before each retry of a preset, in ms, for the dashboard to spell out. The worker runs on
 * `RETRY_PRESETS` of `@genie/webhook-core` (which cannot depend on this package); a server test keeps
 * the two equal.
 */
export const RETRY_PRESET_WAITS_MS: Record<RetryPresetName, readonly number[]> = {
  standard: [1_000, 2_000],
  extended: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
};

/** Where each CRM's webhook URL is found and what it checks: hints for the form, no separate code paths. */
export const CRM_PRESETS: Record<CrmKind, { label: string; hint: string; suggestedHeader?: string }> = {
  gohighlevel: {
    label: "GoHighLevel",
    hint: "Automation → Workflows → trigger “Inbound Webhook”: paste its URL here.",
  },
  make: {
    label: "Make.com",
    hint: "Scenario → Webhooks → Custom webhook: paste its URL; add its API key as a custom header.",
    suggestedHeader: "x-make-apikey",
  },
  zapier: { label: "Zapier", hint: "Zap trigger “Webhooks by Zapier” → Catch Hook: paste its URL here." },
  custom: {
    label: "Custom endpoint",
    hint: "Verify `webhook-signature` with any Standard Webhooks library, or `x-webhook-signature` (hex HMAC).",
  },
};

/** An endpoint's pacing: attempts started per second and in flight at once, across every worker. */
export type EndpointPacing = { rateLimitPerSecond: number | null; maxConcurrency: number | null };

/**
 * Pacing a new endpoint gets when its form leaves it unset, where the CRM documents a limit: Zapier
 * answers 429 past 10,000 requests per 5 minutes per user (about 33/s), so 30/s stays under it.
 * GoHighLevel and Make.com document no limit for inbound webhooks: none is set (null).
 */
export const CRM_PACING_DEFAULTS: Record<CrmKind, EndpointPacing> = {
  gohighlevel: { rateLimitPerSecond: null, maxConcurrency: null },
  make: { rateLimitPerSecond: null, maxConcurrency: null },
  zapier: { rateLimitPerSecond: 30, maxConcurrency: null },
  custom: { rateLimitPerSecond: null, maxConcurrency: null },
};

/** The largest rate limit and concurrency limit an endpoint may have. */
export const PACING_MAX = 10_000;
