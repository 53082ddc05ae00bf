import { createSecretKey, type KeyObject } from "node:crypto";
import { hmacSha256 } from "./hmac";
import { secretList, standardKeyBytes } from "./key";

/** A signature scheme `signWebhook` can emit. */
export type SignatureScheme = "standard-webhooks" | "hex";

/** What `signWebhook` signs. */
export type SignInput = {
  /**
   * The message id (`webhook-id`). Keep it the same for every retry of one message: receivers
   * deduplicate on it. Visible ASCII, 1 to 256 characters.
   */
  id: string;
  /**
   * When this attempt is sent, as a Date or unix seconds. Sign each attempt anew: receivers refuse
   * timestamps older than their tolerance (5 minutes by default).
   * @default new Date()
   */
  timestamp?: Date | number;
  /** The exact bytes that will be sent, not an object to serialise later. */
  body: string | Uint8Array;
  /**
   * The endpoint's secret; during a rotation the new and the old one, so a receiver holding either
   * verifies the request.
   */
  secrets: string | readonly string[];
  /**
   * Which signatures to add.
   * @default ["standard-webhooks", "hex"]
   */
  schemes?: readonly SignatureScheme[];
};

/**
 * The headers that make one request verifiable, over the exact body:
 * - Standard Webhooks v1: `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`:
 *   `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. The key is the base64-decoded part of a
 *   `whsec_` secret, or the UTF-8 bytes of any other secret.
 * - the original Genie scheme: `x-webhook-signature`: hex HMAC-SHA256 of the body, keyed with the
 *   UTF-8 bytes of the secret string exactly as configured (`whsec_` prefix included).
 * With several secrets each header carries one signature per secret, separated by spaces.
 *
 * @example
 * const body = JSON.stringify(event);
 * const headers = signWebhook({ id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", body, secrets: process.env.WEBHOOK_SECRET! });
 * await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
 */
export function signWebhook(input: SignInput): Record<string, string> {
  const { id, body } = input;
  if (typeof id !== "string" || !/^[\x21-\x7e]{1,256}$/.test(id)) {
    throw new TypeError("id must be 1 to 256 visible ASCII characters");
  }
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    throw new TypeError("body must be the exact string or bytes that will be sent");
  }
  const seconds = unixSeconds(input.timestamp ?? new Date());
  const secrets = secretList(input.secrets);
  const schemes = input.schemes ?? ["standard-webhooks", "hex"];
  const headers: Record<string, string> = { "webhook-id": id, "webhook-timestamp": String(seconds) };
  if (schemes.includes("standard-webhooks")) {
    headers["webhook-signature"] = secrets
      .map((secret) => `v1,${hmacSha256(standardKey(secret), `${id}.${seconds}.`, body, "base64")}`)
      .join(" ");
  }
  if (schemes.includes("hex")) {
    headers["x-webhook-signature"] = secrets.map((secret) => hmacSha256(secret, "", body, "hex")).join(" ");
  }
  return headers;
}

function unixSeconds(timestamp: Date | number): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp;
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new TypeError("timestamp must be a valid Date or whole unix seconds");
  }
  return seconds;
}

// Decoding a whsec_ secret and importing it as a key costs about as much as signing a small body, and a
// sender signs with the same few secrets all day. Bounded so that many endpoints cannot grow it forever.
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_LIMIT = 512;

function standardKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    key = createSecretKey(standardKeyBytes(secret));
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}
