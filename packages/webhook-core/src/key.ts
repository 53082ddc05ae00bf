// Runtime-neutral secret handling (no Node built-ins): shared by the Node and the Web Crypto entries.
import { WebhookSecretError } from "./errors";

/**
 * The prefix of secrets in the Standard Webhooks format: the base64 of the key bytes follows it.
 *
 * @example secret.startsWith(SECRET_PREFIX)
 */
export const SECRET_PREFIX = "whsec_";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const utf8 = new TextEncoder();

/** One secret or several (rotation), as a checked non-empty list. */
export function secretList(secrets: unknown): string[] {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new WebhookSecretError("expected a secret (string) or a non-empty array of secrets");
  }
  for (const secret of list) {
    if (typeof secret !== "string" || secret.length === 0) {
      throw new WebhookSecretError("every secret must be a non-empty string");
    }
  }
  return list as string[];
}

/**
 * The HMAC key of the Standard Webhooks scheme: a `whsec_` secret is base64-decoded (strictly: a typo
 * must not silently become a different key), any other string is used as its UTF-8 bytes.
 */
export function standardKeyBytes(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) return utf8.encode(secret);
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) {
    throw new WebhookSecretError(`a ${SECRET_PREFIX} secret must continue with standard base64`);
  }
  return fromBase64(encoded);
}

/** Base64 to bytes with the globals every runtime has (atob), not Buffer. */
export function fromBase64(encoded: string): Uint8Array {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
