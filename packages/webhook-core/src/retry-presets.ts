/**
 * `@genie/webhook-core/retry-presets`: the named retry schedules as plain data, with no import at all
 * (no undici, no Node built-ins), so a browser bundle (a dashboard spelling out the waits) can use the
 * very values the sender runs on.
 */

/** A retry schedule: the wait before each retry, in ms. Attempts = waits + 1. */
export type RetrySchedule = { readonly delaysMs: readonly number[] };

/**
 * The named schedules.
 * - `standard`: the original Genie rules: 3 attempts, waiting 1 s then 2 s.
 * - `extended`: for receivers that go down for maintenance: 8 attempts over about 27 hours
 *   (waits of 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
 *
 * @example
 * const schedule = RETRY_PRESETS[endpoint.retryPreset]; // "standard" | "extended"
 */
export const RETRY_PRESETS = Object.freeze({
  standard: Object.freeze({ delaysMs: Object.freeze([1_000, 2_000] as const) }),
  extended: Object.freeze({
    delaysMs: Object.freeze([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ] as const),
  }),
}) satisfies Record<string, RetrySchedule>;

/** The name of a preset in `RETRY_PRESETS`. */
export type RetryPresetName = keyof typeof RETRY_PRESETS;
