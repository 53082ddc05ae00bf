/** A retry schedule: the wait before each retry. Attempts = waits + 1. */
export type RetrySchedule = { readonly delaysMs: readonly number[] };

/**
 * Named schedules.
 * - `standard`: the original Genie rules, 3 attempts, waiting 1 s then 2 s.
 * - `extended`: for receivers that go down for maintenance: 8 attempts over about a day
 *   (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
 */
export const RETRY_PRESETS = {
  standard: { delaysMs: [1000, 2000] },
  extended: { delaysMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] },
} as const satisfies Record<string, RetrySchedule>;

export type RetryPresetName = keyof typeof RETRY_PRESETS;

/** What an attempt's result means for the delivery. */
export type Outcome = "success" | "retry" | "give-up" | "disable";

/** The facts of an attempt that decide its outcome. */
export type AttemptFacts = { statusCode?: number; errorKind?: ErrorKind };

/** How an attempt failed before any HTTP answer. */
export type ErrorKind = "dns" | "connect" | "tls" | "timeout" | "reset" | "ssrf-blocked" | "invalid-url";

/**
 * Classifies an attempt: 2xx succeeds; 5xx, 408, 429, timeouts and network errors are worth a retry;
 * 410 Gone means the receiver is gone for good (stop and disable the endpoint); other answers
 * (other 4xx, and 3xx since redirects are not followed) and refused addresses will not get better.
 *
 * @example classifyOutcome({ statusCode: 503 }) // "retry"
 */
export function classifyOutcome(facts: AttemptFacts): Outcome {
  const status = facts.statusCode;
  if (status === undefined) {
    return facts.errorKind === "ssrf-blocked" || facts.errorKind === "invalid-url" ? "give-up" : "retry";
  }
  if (status >= 200 && status < 300) return "success";
  if (status === 410) return "disable";
  if (status >= 500 || status === 408 || status === 429) return "retry";
  return "give-up";
}

export type NextDelayOptions = {
  /** The receiver's Retry-After, in ms (see parseRetryAfter). Longer waits than the schedule's win. */
  retryAfterMs?: number;
  /** The most a Retry-After may ask for. @default 3_600_000 (1 hour) */
  retryAfterCapMs?: number;
  /** Spread each wait randomly by up to this fraction, so failed receivers are not hit in waves. @default 0 */
  jitter?: number;
  /** For tests. @default Math.random */
  random?: () => number;
};

/**
 * The wait before the next attempt after attempt number `attempt` (1-based) failed, or `null` when
 * the schedule is exhausted.
 *
 * @example nextRetryDelay(RETRY_PRESETS.standard, 1) // 1000
 * @example nextRetryDelay(RETRY_PRESETS.standard, 3) // null: 3 attempts made
 */
export function nextRetryDelay(
  schedule: RetrySchedule,
  attempt: number,
  options: NextDelayOptions = {},
): number | null {
  const base = schedule.delaysMs[attempt - 1];
  if (base === undefined) return null;
  const jitter = options.jitter ?? 0;
  const spread = jitter > 0 ? base * jitter * (2 * (options.random ?? Math.random)() - 1) : 0;
  const scheduled = Math.max(0, Math.round(base + spread));
  if (options.retryAfterMs === undefined) return scheduled;
  return Math.max(scheduled, Math.min(options.retryAfterMs, options.retryAfterCapMs ?? 3_600_000));
}

/**
 * A Retry-After header in ms: delay-seconds or an HTTP-date. `undefined` when absent or unreadable.
 *
 * @example parseRetryAfter("120") // 120000
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
