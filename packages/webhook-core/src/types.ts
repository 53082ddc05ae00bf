// The vocabulary of a delivery attempt: what happened and what it means. Its own module because the
// sender, the retry policy and the errors all speak it, and none of them should import another just
// for a type (that is how import cycles start).

/**
 * How an attempt failed before any HTTP answer:
 * - `dns`: the name does not resolve; `connect`: refused or unreachable; `tls`: handshake or
 *   certificate; `timeout`: no complete answer in time; `reset`: the connection broke mid-way;
 * - `ssrf-blocked`: refused by the SSRF guard (see `errorMessage`);
 * - `invalid-request`: the URL or a header value cannot be sent at all;
 * - `network`: any other transport failure (e.g. an answer that is not HTTP).
 */
export type DeliveryErrorKind =
  | "dns"
  | "connect"
  | "tls"
  | "timeout"
  | "reset"
  | "ssrf-blocked"
  | "invalid-request"
  | "network";

/** What one attempt did. Failures are data, never thrown, so the caller decides about retries. */
export type DeliveryResult = {
  /** A 2xx answer. */
  ok: boolean;
  /** The HTTP status, when the receiver answered (a 3xx is reported, never followed). */
  statusCode?: number;
  /** How it failed before an answer. */
  errorKind?: DeliveryErrorKind;
  /** A human-readable cause for `errorKind`, or the ignored redirect's target for a 3xx. */
  errorMessage?: string;
  /** The receiver's `Retry-After`, in ms (uncapped). */
  retryAfterMs?: number;
  /** The start of the answer's body as text (at most `excerptBytes` bytes of it). */
  responseExcerpt?: string;
  /** From the start of the attempt until the answer's excerpt was read or it failed. */
  durationMs: number;
};

/**
 * What an attempt means for the delivery: done, try again later, stop, or stop and disable the
 * endpoint.
 */
export type Outcome = "success" | "retry" | "give-up" | "disable";

/** The facts of an attempt that decide its outcome (a `DeliveryResult` has them). */
export type AttemptFacts = { statusCode?: number | undefined; errorKind?: DeliveryErrorKind | undefined };

/** One attempt of `sendWebhook`, as reported to `onAttempt`. */
export type DeliveryAttempt = {
  /** 1 for the first attempt. */
  attempt: number;
  result: DeliveryResult;
  outcome: Outcome;
  /** The wait before the next attempt, or `null` when this was the last. */
  nextDelayMs: number | null;
};
