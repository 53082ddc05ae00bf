import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/**
 * Encryption at rest of the values that let someone act as Genie towards a receiver: endpoint
 * signing secrets (current and previous) and custom header values (API keys, bearer tokens).
 *
 * A sealed value is text, so it fits the columns that held the plain value: `enc:v1:<key id>:<iv>:<data>`
 * (base64url), AES-256-GCM with a fresh 96-bit IV, the 16-byte tag appended to the ciphertext, and the
 * endpoint's id as associated data, so a value copied into another endpoint's row does not open.
 * The key id (a hash of the key, never the key) says which key opens it: the current key
 * (GENIE_ENCRYPTION_KEY) seals, old keys (GENIE_ENCRYPTION_KEYS_OLD) still open, and
 * `reencrypt` moves every value to the current key.
 */
const PREFIX = "enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key that cannot be used (wrong length or encoding): the message names what is expected. */
export class EncryptionKeyError extends Error {
  override name = "EncryptionKeyError";
}

/** 32 random bytes in base64, as `openssl rand -base64 32` prints them. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString("base64");
}

/** Reads a key: 32 bytes as base64 (44 characters) or hex (64 characters). */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (bytes.length !== 32 || (!/^[0-9a-f]{64}$/i.test(trimmed) && bytes.toString("base64") !== trimmed)) {
    throw new EncryptionKeyError(
      "must be 32 bytes in base64 (44 characters) or hex (64); `openssl rand -base64 32` makes one",
    );
  }
  return bytes;
}

/** Names a key without revealing it: 8 hex characters of its SHA-256. */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update("genie-encryption-key:").update(key).digest("hex").slice(0, 8);
}

/** Whether a stored value is sealed (else it is plain text from before encryption at rest). */
export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The id of the key that sealed a value, or null for a plain one. */
export function sealedKeyId(value: string): string | null {
  return isSealed(value) ? (value.slice(PREFIX.length).split(":")[0] ?? null) : null;
}

/**
 * Every key this process was configured with, by id. Opening looks the key up by the id stored in
 * the value, so the hot paths (the intake's hand-off, the worker's claims) need no key passed to
 * them; an id names exactly one key, since it is derived from it. Sealing always takes a KeyRing.
 */
const knownKeys = new Map<string, Buffer>();

/** The keys of one database: `seal` uses the current one, `open` any of them. */
export class KeyRing {
  readonly currentKeyId: string;
  private readonly current: Buffer;
  readonly keyIds: readonly string[];
  private readonly all: Buffer[];

  /** `current` and `old` as configured (base64 or hex); the first one seals. */
  constructor(current: string, old: readonly string[] = []) {
    this.current = parseEncryptionKey(current);
    this.currentKeyId = keyIdOf(this.current);
    const ids = [this.currentKeyId];
    this.all = [this.current];
    for (const text of old) {
      const key = parseEncryptionKey(text);
      ids.push(keyIdOf(key));
      this.all.push(key);
      knownKeys.set(keyIdOf(key), key);
    }
    knownKeys.set(this.currentKeyId, this.current);
    this.keyIds = [...new Set(ids)];
  }

  /** Encrypts a value for the endpoint `endpointId` (it opens only as that endpoint's value). */
  seal(plain: string, endpointId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.current, iv);
    cipher.setAAD(Buffer.from(endpointId));
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.currentKeyId}:${iv.toString("base64url")}:${data.toString("base64url")}`;
  }

  /**
   * A signature of `message` for one purpose (an unsubscribe link, say), with a key derived from the
   * current key (HKDF), so links need no table and any process with the key can check them.
   */
  sign(purpose: string, message: string): string {
    return macOf(this.current, purpose, message);
  }

  /** Whether `signature` is `sign(purpose, message)` under the current key or an old one. */
  verify(purpose: string, message: string, signature: string): boolean {
    const given = Buffer.from(signature);
    return this.all.some((key) => {
      const expected = Buffer.from(macOf(key, purpose, message));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  /** Seals every value of a header map (names stay readable: they are not secret). */
  sealHeaders(headers: Record<string, string>, endpointId: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name,
        isSealed(value) ? value : this.seal(value, endpointId),
      ]),
    );
  }
}

function macOf(key: Buffer, purpose: string, message: string): string {
  const derived = Buffer.from(hkdfSync("sha256", key, "genie-signature", purpose, 32));
  return createHmac("sha256", derived).update(message).digest("base64url");
}

/**
 * The plain value of a stored one. A value without the `enc:v1:` prefix is plain text written before
 * encryption at rest (sealed at the next start): it is returned as it is. Only ever call this on
 * values read from the database, never on input (input is sealed, never opened).
 */
export function openSealed(value: string, endpointId: string): string {
  if (!isSealed(value)) return value;
  const [keyId, iv, data] = value.slice(PREFIX.length).split(":");
  const key = knownKeys.get(keyId ?? "");
  if (!key) {
    throw new EncryptionKeyError(
      `a value is encrypted with key ${keyId}, which is neither GENIE_ENCRYPTION_KEY nor in GENIE_ENCRYPTION_KEYS_OLD`,
    );
  }
  const bytes = Buffer.from(data ?? "", "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv ?? "", "base64url"));
  decipher.setAAD(Buffer.from(endpointId));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch (error) {
    throw new EncryptionKeyError(`a value of endpoint ${endpointId} does not decrypt (altered or moved)`, {
      cause: error,
    });
  }
}

/** Opens every value of a stored header map. */
export function openHeaders(
  headers: Record<string, string> | null,
  endpointId: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name, openSealed(value, endpointId)]),
  );
}
