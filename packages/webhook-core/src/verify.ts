import { createSecretKey, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "./errors";
import { hmacSha256 } from "./hmac";
import { secretList, verificationKeys } from "./key";
import {
  checkOptions,
  checkPayload,
  type HeadersLike,
  noMatch,
  type RawBody,
  readHeader,
  readSignedHeaders,
  V1_LENGTH,
  type VerifiedWebhook,
  type VerifierOptions,
} from "./parse";

/** A verifier with its keys prepared once; reuse it for every request of an endpoint. */
export type WebhookVerifier = {
  /**
   * Checks a webhook's Standard Webhooks headers against the raw body, synchronously.
   * @throws WebhookVerificationError with a `reason`, for any input that does not verify.
   */
  verify(payload: RawBody, headers: HeadersLike): VerifiedWebhook;
};

/**
 * Prepares a Standard Webhooks verifier (Node, `node:crypto`). The secrets are decoded and imported as
 * keys once, which is what makes it fast; the comparison is constant-time.
 *
 * @throws WebhookSecretError when a secret cannot be used.
 * @example
 * const verifier = createWebhookVerifier({ secrets: process.env.WEBHOOK_SECRET! });
 * const { id } = verifier.verify(rawBody, request.headers); // throws WebhookVerificationError
 * const event = JSON.parse(rawBody.toString("utf8"));
 */
export function createWebhookVerifier(options: VerifierOptions): WebhookVerifier {
  const keys = secretList(options.secrets)
    .flatMap(verificationKeys)
    .map((bytes) => createSecretKey(bytes));
  const checked = checkOptions(options);
  return {
    verify(payload, headers) {
      const body = checkPayload(payload);
      const signed = readSignedHeaders(headers, checked);
      const header = signed.signatures;
      // One latin1 copy of the header, compared through views: no allocation per candidate signature.
      const received = Buffer.from(header, "latin1");
      for (const key of keys) {
        const expected = Buffer.from(
          hmacSha256(key, `${signed.id}.${signed.timestamp}.`, body, "base64"),
          "latin1",
        );
        let start = 0;
        while (start < header.length) {
          let end = header.indexOf(" ", start);
          if (end === -1) end = header.length;
          // Only v1 with the length of a SHA-256 MAC can match; other versions (v1a, v2…) are skipped.
          if (
            end - start === V1_LENGTH &&
            header.startsWith("v1,", start) &&
            timingSafeEqual(expected, received.subarray(start + 3, end))
          ) {
            return { id: signed.id, timestamp: signed.seconds };
          }
          start = end + 1;
        }
      }
      return noMatch("webhook-signature");
    },
  };
}

/**
 * Verifies one webhook in one call. It decodes the secrets on every call: when verifying many
 * requests, create the verifier once with `createWebhookVerifier`.
 *
 * @throws WebhookVerificationError (with `reason`) or WebhookSecretError.
 * @example
 * const { id, timestamp } = verifyWebhook(rawBody, req.headers, { secrets: "whsec_…" });
 */
export function verifyWebhook(
  payload: RawBody,
  headers: HeadersLike,
  options: VerifierOptions,
): VerifiedWebhook {
  return createWebhookVerifier(options).verify(payload, headers);
}

/**
 * Verifies the original Genie scheme, `x-webhook-signature: hex(HMAC-SHA256(body, secret))`, keyed
 * with the UTF-8 bytes of the secret as configured. It has no timestamp, so a captured request can be
 * replayed forever: prefer the Standard Webhooks headers, which every Genie request also carries.
 *
 * @throws WebhookVerificationError (`missing-header`, `invalid-header`, `no-matching-signature`).
 * @example
 * verifyHexSignature(rawBody, req.headers, { secrets: "my-shared-secret" });
 */
export function verifyHexSignature(
  payload: RawBody,
  headers: HeadersLike,
  options: Pick<VerifierOptions, "secrets">,
): void {
  const secrets = secretList(options.secrets);
  const body = checkPayload(payload);
  const header = readHeader(headers, "x-webhook-signature");
  if (!header)
    throw new WebhookVerificationError("missing-header", "the x-webhook-signature header is missing");
  // Space-separated: during a rotation there is one signature per secret. Hex is case-insensitive.
  const received = header
    .toLowerCase()
    .split(" ")
    .filter((candidate) => HEX_SIGNATURE.test(candidate));
  if (received.length === 0) {
    throw new WebhookVerificationError(
      "invalid-header",
      "x-webhook-signature is malformed: expected 64 hex characters (several separated by spaces during a rotation)",
    );
  }
  for (const secret of secrets) {
    const expected = Buffer.from(hmacSha256(secret, "", body, "hex"), "latin1");
    // Every candidate has the expected length here: timingSafeEqual throws on unequal lengths.
    for (const candidate of received) {
      if (timingSafeEqual(expected, Buffer.from(candidate, "latin1"))) return;
    }
  }
  noMatch("x-webhook-signature");
}

const HEX_SIGNATURE = /^[0-9a-f]{64}$/;
