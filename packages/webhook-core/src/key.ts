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

/**
 * One secret or several (rotation), as a checked non-empty list. Whitespace around a secret is removed:
 * it is never part of one, and a trailing newline from a `.env` file or a copy is the usual way it gets
 * there (the `standardwebhooks` and `svix` verifiers also accept that newline).
 */
export function secretList(secrets: unknown): string[] {
  if (typeof secrets === "string") return [checkedSecret(secrets, "the secret")];
  if (!Array.isArray(secrets)) {
    const hint = secrets === undefined ? ": is the environment variable set?" : "";
    throw new WebhookSecretError(
      `expected the secret as a string (or an array of strings during a rotation), got ${kindOf(secrets)}${hint}`,
    );
  }
  if (secrets.length === 0) throw new WebhookSecretError("expected at least one secret, got an empty array");
  return secrets.map((secret, index) => checkedSecret(secret, `secrets[${index}]`));
}

function checkedSecret(secret: unknown, what: string): string {
  if (typeof secret !== "string")
    throw new WebhookSecretError(`${what} must be a string, got ${kindOf(secret)}`);
  const trimmed = secret.trim();
  if (trimmed.length > 0) return trimmed;
  throw new WebhookSecretError(
    secret.length === 0
      ? `${what} is an empty string: is the environment variable set but empty?`
      : `${what} is only whitespace`,
  );
}

function kindOf(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * The HMAC key of the Standard Webhooks scheme, as the signer uses it: a `whsec_` secret is
 * base64-decoded (strictly: a typo must not silently become a different key), any other string is used
 * as its UTF-8 bytes.
 */
export function standardKeyBytes(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) return utf8.encode(secret);
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0) {
    throw new WebhookSecretError(
      `the secret is only the ${SECRET_PREFIX} prefix: the key that follows it is missing`,
    );
  }
  if (!BASE64.test(encoded)) throw new WebhookSecretError(base64Problem(encoded));
  return fromBase64(encoded);
}

// Says where the base64 breaks, by position only: the message may be logged, the secret must not be.
function base64Problem(encoded: string): string {
  const where = `the part after ${SECRET_PREFIX} is not standard base64`;
  const bad = encoded.search(/[^A-Za-z0-9+/=]/);
  if (bad === -1) return `${where}: its length or its = padding is wrong (copy the secret exactly as shown)`;
  const urlSafe =
    encoded[bad] === "-" || encoded[bad] === "_" ? " (- and _ are URL-safe base64: use + and /)" : "";
  return `${where}: character ${SECRET_PREFIX.length + bad + 1} of the secret is not A-Z, a-z, 0-9, + or /${urlSafe}`;
}

/**
 * The keys a verifier tries for one secret: the signer's key, and for a secret without the prefix that
 * is also well-formed base64, its decoded bytes too. That second key is a `whsec_` secret pasted without
 * its prefix, which the `standardwebhooks` and `svix` verifiers read as base64 and so accept: a
 * receiver switching from them must not silently stop matching.
 */
export function verificationKeys(secret: string): Uint8Array[] {
  const signing = standardKeyBytes(secret);
  if (secret.startsWith(SECRET_PREFIX) || !BASE64.test(secret)) return [signing];
  return [signing, fromBase64(secret)];
}

/** Base64 to bytes with the globals every runtime has (atob), not Buffer. */
export function fromBase64(encoded: string): Uint8Array {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
