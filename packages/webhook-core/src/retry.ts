import type { RetrySchedule } from "./retry-presets";
import type { AttemptFacts, Outcome } from "./types";

export { RETRY_PRESETS, type RetryPresetName, type RetrySchedule } from "./retry-presets";

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
