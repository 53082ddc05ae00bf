import { createHmac } from "node:crypto";
import { standardKey } from "./secret";

export type SignInput = {
  /** The message id (`webhook-id`): the same for every retry of one event, so receivers can dedupe. */
  id: string;
  /** When this attempt is sent; receivers reject stale ones. @default new Date() */
  timestamp?: Date;
  /** The exact bytes that will be sent. */
  body: string;
  /** The current secret first; during a rotation also the previous one, so both verify. */
  secrets: readonly string[];
};

/**
 * The signature headers of one request, in both schemes:
 * - `x-webhook-signature`: hex HMAC-SHA256 of the body keyed with the secret string as given (the
 *   original Genie scheme; with several secrets, space-separated);
 * - Standard Webhooks v1: `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`
 *   (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, space-separated per secret).
 *
 * @example
 * const headers = signWebhook({ id: "evt_1", body, secrets: [secret] });
 * await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
 */
export function signWebhook(input: SignInput): Record<string, string> {
  if (input.secrets.length === 0) throw new TypeError("at least one secret is needed to sign");
  const seconds = Math.floor((input.timestamp ?? new Date()).getTime() / 1000);
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": input.secrets
      .map((s) => `v1,${signStandard(s, input.id, seconds, input.body)}`)
      .join(" "),
    "x-webhook-signature": input.secrets.map((s) => signHex(s, input.body)).join(" "),
  };
}

/** The base64 Standard Webhooks v1 signature of one message. */
export function signStandard(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  return createHmac("sha256", standardKey(secret))
    .update(`${id}.${timestampSeconds}.`)
    .update(body)
    .digest("base64");
}

/** The spec's hex signature: HMAC-SHA256 of the body keyed with the secret's UTF-8 bytes. */
export function signHex(secret: string, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}
