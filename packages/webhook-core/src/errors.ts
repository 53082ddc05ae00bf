/**
 * The base of every error this library throws. Check with the type guards below rather than
 * `instanceof`, which fails when two copies of the library are loaded (bundles, realms).
 */
export class WebhookError extends Error {
  override name = "WebhookError";
}

/** Why a webhook failed verification, for logs and metrics. */
export type VerificationFailure =
  | "missing-header"
  | "invalid-header"
  | "invalid-timestamp"
  | "timestamp-too-old"
  | "timestamp-too-new"
  | "invalid-secret"
  | "no-matching-signature";

/** A received webhook is not authentic (or cannot be checked): answer it with 400/401 and drop it. */
export class WebhookVerificationError extends WebhookError {
  override name = "WebhookVerificationError";
  constructor(
    /** Machine-readable reason. */
    readonly reason: VerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A delivery failed for good (used by `sendWebhook` once it stops retrying). */
export class WebhookDeliveryError extends WebhookError {
  override name = "WebhookDeliveryError";
  constructor(
    message: string,
    /** The receiver's last HTTP status, when it answered at all. */
    readonly status: number | undefined,
    /** The start of the receiver's last answer. */
    readonly body: string | undefined,
  ) {
    super(message);
  }
}

/** A URL or address the SSRF guard refuses to connect to. */
export class SsrfBlockedError extends WebhookError {
  override name = "SsrfBlockedError";
}

const hasName = (error: unknown, name: string) =>
  typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;

/** @example if (isWebhookVerificationError(e)) return reply.code(400).send(e.reason) */
export function isWebhookVerificationError(error: unknown): error is WebhookVerificationError {
  return error instanceof WebhookVerificationError || hasName(error, "WebhookVerificationError");
}

export function isWebhookDeliveryError(error: unknown): error is WebhookDeliveryError {
  return error instanceof WebhookDeliveryError || hasName(error, "WebhookDeliveryError");
}

export function isSsrfBlockedError(error: unknown): error is SsrfBlockedError {
  return error instanceof SsrfBlockedError || hasName(error, "SsrfBlockedError");
}
