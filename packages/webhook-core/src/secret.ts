import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";

/** The prefix of secrets in the Standard Webhooks format: base64 of the key bytes follows it. */
export const SECRET_PREFIX = "whsec_";

/**
 * A new signing secret: `whsec_` and the base64 of 24 random bytes (192 bits).
 *
 * @example const secret = generateSecret(); // "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
 */
export function generateSecret(byteLength = 24): string {
  if (!Number.isInteger(byteLength) || byteLength < 24)
    throw new RangeError("a secret needs at least 24 bytes");
  return SECRET_PREFIX + randomBytes(byteLength).toString("base64");
}

const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_LIMIT = 1000;

/**
 * The HMAC key of a secret for the Standard Webhooks scheme: a `whsec_` secret is base64-decoded, any
 * other string is used as its UTF-8 bytes. Cached: decoding and key import cost more than the HMAC
 * of a small body.
 */
export function standardKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    if (typeof secret !== "string" || secret.length === 0)
      throw new TypeError("the secret must be a non-empty string");
    const bytes = secret.startsWith(SECRET_PREFIX)
      ? Buffer.from(secret.slice(SECRET_PREFIX.length), "base64")
      : Buffer.from(secret, "utf8");
    if (bytes.length === 0) throw new TypeError("the secret decodes to no key bytes");
    key = createSecretKey(bytes);
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}
