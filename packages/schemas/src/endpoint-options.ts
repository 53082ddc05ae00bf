// The choices of an endpoint's form, as plain data with no zod: the dashboard's first page loads them
// without the schema library (see apps/dashboard/scripts/bundle-budget.mjs).

import { RETRY_PRESETS, type RetryPresetName } from "@genie/webhook-core/retry-presets";

export const CRM_KINDS = ["gohighlevel", "make", "zapier", "custom"] as const;
export type CrmKind = (typeof CRM_KINDS)[number];

/** The retry schedules' names, in the order the form offers them (from webhook-core's presets). */
export const RETRY_PRESET_NAMES = Object.keys(RETRY_PRESETS) as [RetryPresetName, ...RetryPresetName[]];
export type { RetryPresetName };

/**
 * The waits before each retry of a preset, in ms, for the dashboard to spell out: the very schedules
 * the worker runs on, from webhook-core's import-free `retry-presets` entry.
 */
export const RETRY_PRESET_WAITS_MS: Record<RetryPresetName, readonly number[]> = {
  standard: RETRY_PRESETS.standard.delaysMs,
  extended: RETRY_PRESETS.extended.delaysMs,
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
