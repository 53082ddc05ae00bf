import { randomBytes } from "node:crypto";
import { SECRET_PREFIX } from "./key";

/**
 * A new signing secret: `whsec_` followed by the base64 of `byteLength` random bytes, the format the
 * `standardwebhooks` and `svix` verifiers expect.
 *
 * @param byteLength key size, 24 (192 bits, the Standard Webhooks minimum) to 64. @default 24
 * @example
 * const secret = generateSecret(); // "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
 */
export function generateSecret(byteLength = 24): string {
  if (!Number.isInteger(byteLength) || byteLength < 24 || byteLength > 64) {
    throw new RangeError("a secret has 24 to 64 random bytes");
  }
  return SECRET_PREFIX + randomBytes(byteLength).toString("base64");
}
