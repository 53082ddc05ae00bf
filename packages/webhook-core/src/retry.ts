import type { AttemptFacts, Outcome } from "./types";

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

/**
 * Classifies an attempt:
 * - 2xx: `success`;
 * - 5xx, 408, 429, and failures before an answer (dns, connect, tls, timeout, reset, network):
 *   `retry`, they are usually temporary;
 * - 410 Gone: `disable`, the receiver says it is gone for good;
 * - other 4xx, 3xx (redirects are not followed) and 1xx: `give-up`, repeating the same request
 *   will get the same answer; likewise a URL refused by the SSRF guard or an invalid request.
 *
 * @example
 * classifyOutcome({ statusCode: 503 }) // "retry"
 * classifyOutcome({ errorKind: "ssrf-blocked" }) // "give-up"
 */
export function classifyOutcome(facts: AttemptFacts): Outcome {
  const status = facts.statusCode;
  if (status === undefined) {
    return facts.errorKind === "ssrf-blocked" || facts.errorKind === "invalid-request" ? "give-up" : "retry";
  }
  if (status >= 200 && status < 300) return "success";
  if (status === 410) return "disable";
  if (status >= 500 || status === 408 || status === 429) return "retry";
  return "give-up";
}

/** How `nextRetryDelay` adjusts the schedule's wait. */
export type NextDelayOptions = {
  /**
   * The receiver's `Retry-After`, in ms (see `parseRetryAfter`). It is honoured as a minimum: the
   * next attempt waits for the longer of it and the schedule's wait.
   */
  retryAfterMs?: number | undefined;
  /**
   * The most a `Retry-After` may impose, so a receiver cannot park a delivery for days.
   * @default 3_600_000 (1 hour)
   */
  retryAfterCapMs?: number;
  /**
   * Spread each wait randomly by up to this fraction either way (0.2: ±20 %), so that deliveries that
   * failed together do not all retry in the same instant.
   * @default 0
   */
  jitter?: number;
  /**
   * Random numbers in [0, 1), for tests.
   * @default Math.random
   */
  random?: () => number;
};

/**
 * The wait before the next attempt, after attempt number `attempt` (1-based) failed, or `null` when
 * the schedule allows no more attempts.
 *
 * @example
 * nextRetryDelay(RETRY_PRESETS.standard, 1) // 1000
 * nextRetryDelay(RETRY_PRESETS.standard, 2, { retryAfterMs: 30_000 }) // 30000
 * nextRetryDelay(RETRY_PRESETS.standard, 3) // null: 3 attempts made
 */
export function nextRetryDelay(
  schedule: RetrySchedule,
  attempt: number,
  options: NextDelayOptions = {},
): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) return null;
  const base = schedule.delaysMs[attempt - 1];
  if (base === undefined) return null;
  const jitter = Math.min(Math.max(options.jitter ?? 0, 0), 1);
  const spread = jitter > 0 ? base * jitter * (2 * (options.random ?? Math.random)() - 1) : 0;
  const scheduled = Math.max(0, Math.round(base + spread));
  const retryAfter = options.retryAfterMs;
  if (retryAfter === undefined || !(retryAfter > 0)) return scheduled;
  return Math.max(scheduled, Math.min(retryAfter, options.retryAfterCapMs ?? 3_600_000));
}

const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;

/**
 * A `Retry-After` header in ms: delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00
 * GMT`; a date in the past gives 0). `undefined` when absent or unreadable. Cap it where it is used
 * (`nextRetryDelay`'s `retryAfterCapMs`).
 *
 * @param now the clock for HTTP-dates, in ms. @default Date.now()
 * @example
 * parseRetryAfter("120") // 120000
 * parseRetryAfter("soon") // undefined
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse accepts almost anything ("1", "2025"); only the three HTTP-date forms start with a day.
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
