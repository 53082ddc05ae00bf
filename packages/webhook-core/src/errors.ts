import type { DeliveryAttempt, DeliveryErrorKind } from "./types";

/**
 * Base class of every error this library throws, so one `catch` can tell ours from anything else.
 *
 * @example
 * try { verifier.verify(body, headers) } catch (error) { if (isWebhookError(error)) … }
 */
export class WebhookError extends Error {
  override name: string = "WebhookError";
}

/**
 * Why a webhook was rejected, as a stable string a receiver can branch on or log.
 * - `missing-header`: `webhook-id`, `webhook-timestamp` or `webhook-signature` is absent or empty.
 * - `invalid-header`: a header is not a string, is repeated, or is longer than 8 KiB; or the signature
 *   header holds no well-formed signature at all (`v1,<base64>`, or 64 hex characters).
 * - `invalid-timestamp`: `webhook-timestamp` is not whole unix seconds.
 * - `timestamp-too-old` / `timestamp-too-new`: outside the tolerance (a replay, or a clock far off).
 * - `no-matching-signature`: well-formed, but no `v1` signature matches the body with any of the
 *   secrets (a changed or re-serialised body, or another secret).
 * - `invalid-payload`: the body is not raw bytes (string, Buffer, Uint8Array), is too large, or was
 *   already consumed by a JSON parser.
 */
export type VerificationFailure =
  | "missing-header"
  | "invalid-header"
  | "invalid-timestamp"
  | "timestamp-too-old"
  | "timestamp-too-new"
  | "no-matching-signature"
  | "invalid-payload";

/**
 * A webhook that must not be trusted. Answer it with 400 (or 401) and do not process the body.
 *
 * @example
 * if (isWebhookVerificationError(error)) reply.code(400).send({ error: error.reason });
 */
export class WebhookVerificationError extends WebhookError {
  override name = "WebhookVerificationError" as const;
  /** Machine-readable cause; the message is for humans and may change. */
  readonly reason: VerificationFailure;

  constructor(reason: VerificationFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * A secret that cannot be used as an HMAC key: not a string, empty, or a `whsec_` secret whose rest is
 * not base64. Thrown when a signer or verifier is set up, never because of what a sender sent.
 *
 * @example
 * createWebhookVerifier({ secrets: "whsec_%%%" }) // throws WebhookSecretError
 */
export class WebhookSecretError extends WebhookError {
  override name = "WebhookSecretError" as const;
}

/**
 * The SSRF guard refused to connect: the URL's scheme or credentials, or an address the name resolved
 * to, is not allowed. `deliverOnce` reports it as `errorKind: "ssrf-blocked"`.
 *
 * @example
 * if (isSsrfBlockedError(error)) console.warn(error.message) // "… 10.0.0.7 is private"
 */
export class SsrfBlockedError extends WebhookError {
  override name = "SsrfBlockedError" as const;
  /** The host name of the refused URL. */
  readonly hostname: string;
  /** The refused address, when the refusal was about an address. */
  readonly address: string | undefined;

  constructor(message: string, details: { hostname: string; address?: string }) {
    super(message);
    this.hostname = details.hostname;
    this.address = details.address;
  }
}

/**
 * `sendWebhook` gave up: every attempt of the schedule failed, or the receiver answered with a status
 * that is not worth retrying (4xx, 3xx, 410).
 *
 * @example
 * catch (error) { if (isWebhookDeliveryError(error)) console.log(error.status, error.body, error.attempts.length) }
 */
export class WebhookDeliveryError extends WebhookError {
  override name = "WebhookDeliveryError" as const;
  /** Status code of the last answer, if the receiver answered at all. */
  readonly status: number | undefined;
  /** Start of the last answer's body (bounded excerpt). */
  readonly body: string | undefined;
  /** Transport failure of the last attempt, when there was no answer. */
  readonly errorKind: DeliveryErrorKind | undefined;
  /** Every attempt made, in order. */
  readonly attempts: readonly DeliveryAttempt[];

  constructor(message: string, attempts: readonly DeliveryAttempt[]) {
    super(message);
    const last = attempts.at(-1)?.result;
    this.status = last?.statusCode;
    this.body = last?.responseExcerpt;
    this.errorKind = last?.errorKind;
    this.attempts = attempts;
  }
}

// `instanceof` fails across realms and duplicated installs of this package, so the guards also accept an
// object carrying our class name (and, where another library uses the same name, our extra field).
function named(error: unknown, name: string): error is Record<string, unknown> {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

const OUR_NAMES = new Set([
  "WebhookError",
  "WebhookVerificationError",
  "WebhookSecretError",
  "SsrfBlockedError",
  "WebhookDeliveryError",
]);

/**
 * True for any error thrown by this library.
 *
 * @example
 * if (isWebhookError(error)) log.warn(error.name, error.message)
 */
export function isWebhookError(error: unknown): error is WebhookError {
  return (
    error instanceof WebhookError ||
    (error instanceof Error && OUR_NAMES.has(error.name) && !isForeignVerificationError(error))
  );
}

// The `standardwebhooks` and `svix` packages throw their own class named WebhookVerificationError, without
// a `reason`: it must not pass for ours.
function isForeignVerificationError(error: Error): boolean {
  return (
    error.name === "WebhookVerificationError" && typeof (error as { reason?: unknown }).reason !== "string"
  );
}

/**
 * True for a rejected webhook; narrows to read `reason`.
 *
 * @example
 * if (isWebhookVerificationError(error) && error.reason === "timestamp-too-old") …
 */
export function isWebhookVerificationError(error: unknown): error is WebhookVerificationError {
  return (
    error instanceof WebhookVerificationError ||
    (named(error, "WebhookVerificationError") && typeof error.reason === "string")
  );
}

/**
 * True for an unusable secret.
 *
 * @example
 * if (isWebhookSecretError(error)) throw new Error("WEBHOOK_SECRET is misconfigured", { cause: error })
 */
export function isWebhookSecretError(error: unknown): error is WebhookSecretError {
  return error instanceof WebhookSecretError || named(error, "WebhookSecretError");
}

/**
 * True for a connection the SSRF guard refused.
 *
 * @example
 * if (isSsrfBlockedError(error)) console.warn("refused", error.hostname, error.address)
 */
export function isSsrfBlockedError(error: unknown): error is SsrfBlockedError {
  return error instanceof SsrfBlockedError || named(error, "SsrfBlockedError");
}

/**
 * True when `sendWebhook` gave up.
 *
 * @example
 * if (isWebhookDeliveryError(error)) console.log(error.status, error.attempts.length)
 */
export function isWebhookDeliveryError(error: unknown): error is WebhookDeliveryError {
  return (
    error instanceof WebhookDeliveryError || (named(error, "WebhookDeliveryError") && "attempts" in error)
  );
}
