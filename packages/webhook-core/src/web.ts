/**
 * `@genie/webhook-core/web`: verification on Web Crypto only, for runtimes without `node:crypto`
 * (Cloudflare Workers, Vercel Edge, Deno, Bun, browsers). Same options, same errors and reasons as the
 * Node entry; `verify` returns a promise because Web Crypto is asynchronous.
 */
import { fromBase64, secretList, verificationKeys } from "./key";
import {
  checkOptions,
  checkPayload,
  type HeadersLike,
  noMatch,
  type RawBody,
  readSignedHeaders,
  V1_LENGTH,
  type VerifiedWebhook,
  type VerifierOptions,
} from "./parse";
import { type ReadBodyOptions, type VerifiedRequest, verifyFetchRequest } from "./request";

export * from "./errors";
export type { HeadersLike, RawBody, VerifiedWebhook, VerifierOptions } from "./parse";
export type { ReadBodyOptions, VerifiedRequest } from "./request";

/** A Web Crypto verifier with its keys imported once. */
export type WebWebhookVerifier = {
  /**
   * Checks a webhook's Standard Webhooks headers against the raw body.
   * @throws (rejects with) WebhookVerificationError with a `reason`.
   */
  verify(payload: RawBody, headers: HeadersLike): Promise<VerifiedWebhook>;
};

const utf8 = new TextEncoder();
// Named through the function, because the `CryptoKey` global type is not declared in every lib setup.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * Prepares a Standard Webhooks verifier on Web Crypto (`crypto.subtle`). The comparison is the
 * platform's own constant-time HMAC verify.
 *
 * @throws WebhookSecretError when a secret cannot be used.
 * @example
 * import { createWebhookVerifier } from "@genie/webhook-core/web";
 * const verifier = createWebhookVerifier({ secrets: env.WEBHOOK_SECRET });
 * const { id } = await verifier.verify(await request.text(), request.headers);
 */
export function createWebhookVerifier(options: VerifierOptions): WebWebhookVerifier {
  const keyBytes = secretList(options.secrets).flatMap(verificationKeys);
  const checked = checkOptions(options);
  let keys: Promise<HmacKey[]> | undefined;
  return {
    async verify(payload, headers) {
      const body = checkPayload(payload);
      const signed = readSignedHeaders(headers, checked);
      keys ??= importKeys(keyBytes).catch((error: unknown) => {
        // A rejected import must not be cached: every later request would fail with it, for the life
        // of the verifier, although the next attempt may well succeed.
        keys = undefined;
        throw error;
      });
      const prefix = `${signed.id}.${signed.timestamp}.`;
      const data = typeof body === "string" ? utf8.encode(prefix + body) : join(utf8.encode(prefix), body);
      const candidates = signed.signatures
        .split(" ")
        .filter((s) => s.length === V1_LENGTH && s.startsWith("v1,"))
        .map((s) => decode(s.slice(3)))
        .filter((s) => s !== undefined);
      for (const key of await keys) {
        for (const signature of candidates) {
          if (await crypto.subtle.verify("HMAC", key, signature, data)) {
            return { id: signed.id, timestamp: signed.seconds };
          }
        }
      }
      return noMatch("webhook-signature");
    },
  };
}

function importKeys(keyBytes: readonly Uint8Array[]): Promise<HmacKey[]> {
  return Promise.all(
    keyBytes.map((bytes) =>
      crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]),
    ),
  );
}

function decode(base64: string): Uint8Array | undefined {
  try {
    return fromBase64(base64);
  } catch {
    return undefined; // not base64: cannot match, like any other wrong signature
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a);
  joined.set(b, a.byteLength);
  return joined;
}

/**
 * Verifies one webhook in one call (imports the keys each time; keep a verifier for many requests).
 *
 * @example
 * const { id } = await verifyWebhook(body, request.headers, { secrets: env.WEBHOOK_SECRET });
 */
export function verifyWebhook(
  payload: RawBody,
  headers: HeadersLike,
  options: VerifierOptions,
): Promise<VerifiedWebhook> {
  return createWebhookVerifier(options).verify(payload, headers);
}

/**
 * Reads a Fetch `Request`'s body (bounded) and verifies it: the whole receiver of an edge function.
 * The body stream is consumed; use the returned `body` / `rawBody`.
 *
 * @throws WebhookVerificationError (`invalid-payload` when the body is too large or already read).
 * @example
 * export default {
 *   async fetch(request, env) {
 *     const { id, body } = await verifyRequest(request, { secrets: env.WEBHOOK_SECRET });
 *     await handle(id, JSON.parse(body));
 *     return new Response(null, { status: 204 });
 *   },
 * };
 */
export function verifyRequest(
  request: Request,
  verifier: WebWebhookVerifier | VerifierOptions,
  options?: ReadBodyOptions,
): Promise<VerifiedRequest> {
  const v = "verify" in verifier ? verifier : createWebhookVerifier(verifier);
  return verifyFetchRequest(request, v.verify, options);
}
