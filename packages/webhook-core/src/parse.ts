// Runtime-neutral reading of the Standard Webhooks headers, shared by both verifiers so that they accept
// and refuse exactly the same inputs.
import { WebhookVerificationError } from "./errors";

/**
 * Request headers as the common servers hand them over: a Fetch `Headers` object, or a plain record
 * such as Node's `IncomingHttpHeaders` (names in any case, values strings or arrays).
 */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The bytes a verifier accepts: the raw body exactly as received. */
export type RawBody = string | Uint8Array | ArrayBuffer;

/** Options shared by the Node and the Web Crypto verifiers. */
export type VerifierOptions = {
  /**
   * The endpoint's secret, or several during a rotation (a signature matching any of them passes).
   * `whsec_…` secrets are base64-decoded, any other string is used as its UTF-8 bytes.
   */
  secrets: string | readonly string[];
  /**
   * How far `webhook-timestamp` may be from now, in seconds, in either direction. It bounds the window
   * in which a captured request could be replayed.
   * @default 300
   */
  toleranceSeconds?: number;
  /**
   * Skip the timestamp window (the header must still be present and signed). Only for replaying
   * stored webhooks in tests or backfills: it disables replay protection.
   * @default false
   */
  ignoreTimestamp?: boolean;
  /**
   * The clock, in milliseconds since the epoch; for tests.
   * @default Date.now
   */
  now?: () => number;
};

/** What a successful verification tells about the webhook. */
export type VerifiedWebhook = {
  /** `webhook-id`: the same on every retry of one message; deduplicate on it. */
  id: string;
  /** `webhook-timestamp`, in unix seconds. */
  timestamp: number;
};

/** Longest header value considered: far beyond real ones, short enough that hashing it costs nothing. */
export const MAX_HEADER_LENGTH = 8192;
const TIMESTAMP = /^\d{1,12}$/;

export type CheckedOptions = { tolerance: number; ignoreTimestamp: boolean; now: () => number };

export function checkOptions(options: VerifierOptions): CheckedOptions {
  const tolerance = options.toleranceSeconds ?? 300;
  if (typeof tolerance !== "number" || !(tolerance >= 0)) {
    throw new TypeError("toleranceSeconds must be a number >= 0");
  }
  return { tolerance, ignoreTimestamp: options.ignoreTimestamp === true, now: options.now ?? Date.now };
}

function fail(reason: ConstructorParameters<typeof WebhookVerificationError>[0], message: string): never {
  throw new WebhookVerificationError(reason, message);
}

/** One header's value; `undefined` when absent. Repeated or non-string values are refused. */
export function readHeader(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) fail("invalid-header", "headers must be an object");
  let value: unknown;
  if (typeof (headers as { get?: unknown }).get === "function") {
    value = (headers as { get(name: string): unknown }).get(name) ?? undefined;
  } else {
    const record = headers as Record<string, unknown>;
    value = record[name];
    // Node lower-cases names, hand-made records may not: fall back to a case-insensitive scan.
    if (value === undefined) {
      for (const key of Object.keys(record)) if (key.toLowerCase() === name) value = record[key];
    }
  }
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (value === undefined) return undefined;
  if (typeof value !== "string") fail("invalid-header", `${name} must be a single string`);
  if (value.length > MAX_HEADER_LENGTH) fail("invalid-header", `${name} is longer than ${MAX_HEADER_LENGTH}`);
  return value;
}

/** The signed parts of a Standard Webhooks request, checked for presence, shape and age. */
export type SignedHeaders = { id: string; timestamp: string; seconds: number; signatures: string };

export function readSignedHeaders(headers: HeadersLike, options: CheckedOptions): SignedHeaders {
  const id = readHeader(headers, "webhook-id");
  const timestamp = readHeader(headers, "webhook-timestamp");
  const signatures = readHeader(headers, "webhook-signature");
  if (!id) fail("missing-header", "the webhook-id header is missing");
  if (!timestamp) fail("missing-header", "the webhook-timestamp header is missing");
  if (!signatures) fail("missing-header", "the webhook-signature header is missing");
  if (!TIMESTAMP.test(timestamp)) fail("invalid-timestamp", "webhook-timestamp must be whole unix seconds");
  if (!SIGNATURE_ENTRY.test(signatures)) {
    fail(
      "invalid-header",
      'webhook-signature is malformed: expected space-separated signatures like "v1,<base64>"',
    );
  }
  const seconds = Number(timestamp);
  if (!options.ignoreTimestamp) {
    // The numbers are in the message because the fix depends on them: seconds off means a clock to
    // correct, hours off a replayed or queued request.
    const age = Math.floor(options.now() / 1000) - seconds;
    const beyond = `beyond the tolerance of ${options.tolerance} s`;
    if (age > options.tolerance) {
      fail(
        "timestamp-too-old",
        `webhook-timestamp is ${age} s old, ${beyond}: a replayed request, or this server's clock is wrong`,
      );
    }
    if (-age > options.tolerance) {
      fail(
        "timestamp-too-new",
        `webhook-timestamp is ${-age} s in the future, ${beyond}: this server's clock or the sender's is wrong`,
      );
    }
  }
  return { id, timestamp, seconds, signatures };
}

/**
 * At least one `<version>,<base64>` entry (v1, v1a, v2…) in a space-separated list. A header without
 * any is garbage, reported as such; a well-formed signature that does not match is another matter.
 */
const SIGNATURE_ENTRY = /(?:^| )v\d+[a-z]*,[A-Za-z0-9+/]+={0,2}(?: |$)/;

/** Length of `v1,` + base64 of a 32-byte HMAC-SHA256. Other lengths cannot match and are skipped. */
export const V1_LENGTH = 47;

/** No signature in `header` matches. Either the body or the secret can be the cause: the message says both. */
export function noMatch(header: "webhook-signature" | "x-webhook-signature"): never {
  fail(
    "no-matching-signature",
    `no signature in ${header} matches: the body is not the one that was signed (changed on the way, or parsed and serialised again?), or it was signed with another secret`,
  );
}

/**
 * How to get the raw body in the frameworks that parse JSON for you. Part of every message about a body
 * that is not raw bytes, because a JSON parser running first is by far the most common cause.
 */
const RAW_BODY_HINT =
  'a JSON parser ran before verification. Express: give this route express.raw({ type: "application/json" }) and register it before any app.use(express.json()). Fastify: add a content-type parser for application/json with { parseAs: "buffer" } in the webhook route\'s scope';

/**
 * Checks the body is raw bytes, and says what went wrong when a parser already turned it into an object.
 * `what` names the argument in the message.
 */
export function checkPayload(payload: unknown, what = "the payload"): string | Uint8Array {
  if (typeof payload === "string" || payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload))
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  return fail(
    "invalid-payload",
    payload !== null && typeof payload === "object"
      ? `${what} is an object, not the raw body: ${RAW_BODY_HINT}`
      : `${what} must be the raw body: a string, Buffer or Uint8Array`,
  );
}

/** The body stream was consumed before verification, so the raw bytes are gone. */
export function alreadyRead(): never {
  return fail("invalid-payload", `the request body was already read, probably because ${RAW_BODY_HINT}`);
}
