import { type Dispatcher, request } from "undici";
import { isSsrfBlockedError } from "./errors";
import { parseRetryAfter } from "./retry";
import { checkUrlShape, createSsrfGuardedAgent } from "./ssrf";
import type { DeliveryErrorKind, DeliveryResult } from "./types";

/**
 * The User-Agent of Genie's webhook requests, as the original spec names it.
 *
 * @example
 * headers["user-agent"] = GENIE_USER_AGENT; // "GenieAI/1.0"
 */
export const GENIE_USER_AGENT = "GenieAI/1.0";

/** What `deliverOnce` sends, and how. */
export type DeliverOnceInput = {
  /** The receiver's URL, http or https. */
  url: string;
  /** The exact bytes that were signed. */
  body: string | Uint8Array;
  /**
   * Request headers, usually `signWebhook(…)` plus `content-type` and `user-agent`.
   * `content-type: application/json` and `user-agent: GenieAI/1.0` are added when absent.
   * @default {}
   */
  headers?: Record<string, string>;
  /**
   * For the whole attempt: connect, send, and read the answer's start.
   * @default 30_000
   */
  timeoutMs?: number;
  /**
   * How much of the answer's body to keep, in bytes; the rest is discarded.
   * @default 4096
   */
  excerptBytes?: number;
  /**
   * The connection pool. Share one for all attempts so connections are reused.
   * @default a shared `createSsrfGuardedAgent()` with an empty allow-list
   */
  dispatcher?: Dispatcher;
  /**
   * Cancels the attempt: `deliverOnce` then rejects with the signal's reason (the one case where it
   * throws, because a cancellation is not something the receiver did).
   */
  signal?: AbortSignal;
};

/** Beyond this much body the connection is closed rather than drained for reuse. */
const DRAIN_LIMIT = 64 * 1024;

let sharedAgent: Dispatcher | undefined;

/** Created on first use, so importing the library opens nothing. */
function defaultAgent(): Dispatcher {
  sharedAgent ??= createSsrfGuardedAgent();
  return sharedAgent;
}

/**
 * POSTs one webhook and reports what happened, without retrying. Redirects are not followed (a 3xx is
 * reported as it is); the answer's body is read up to `excerptBytes` and discarded after that. Without
 * a `dispatcher`, a shared SSRF-guarded pool refuses internal addresses.
 *
 * @example
 * const body = JSON.stringify(event);
 * const result = await deliverOnce({
 *   url: "https://crm.example.com/hooks/genie",
 *   body,
 *   headers: signWebhook({ id: event.id, body, secrets }),
 * });
 * if (!result.ok) console.log(result.statusCode ?? result.errorKind, result.errorMessage);
 */
export async function deliverOnce(input: DeliverOnceInput): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const timeoutMs = input.timeoutMs ?? 30_000;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const signal = input.signal ? AbortSignal.any([timeout.signal, input.signal]) : timeout.signal;
  try {
    checkUrlShape(input.url);
    const response = await request(input.url, {
      method: "POST",
      body: input.body,
      headers: withDefaults(input.headers ?? {}),
      dispatcher: input.dispatcher ?? defaultAgent(),
      signal,
    });
    const responseExcerpt = await readExcerpt(response.body, input.excerptBytes ?? 4096);
    const { statusCode, headers } = response;
    const location = statusCode >= 300 && statusCode < 400 ? first(headers.location) : undefined;
    return {
      ok: statusCode >= 200 && statusCode < 300,
      statusCode,
      ...(location !== undefined && { errorMessage: `redirect to ${location} not followed` }),
      ...optional("retryAfterMs", parseRetryAfter(first(headers["retry-after"]))),
      responseExcerpt,
      durationMs: elapsed(),
    };
  } catch (error) {
    if (input.signal?.aborted) throw input.signal.reason;
    const kind = timeout.signal.aborted ? "timeout" : errorKindOf(error);
    return {
      ok: false,
      errorKind: kind,
      errorMessage: kind === "timeout" ? `no complete answer within ${timeoutMs} ms` : describe(error),
      durationMs: elapsed(),
    };
  } finally {
    clearTimeout(timer);
  }
}

function withDefaults(headers: Record<string, string>): Record<string, string> {
  const names = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  return {
    ...(!names.has("content-type") && { "content-type": "application/json" }),
    ...(!names.has("user-agent") && { "user-agent": GENIE_USER_AGENT }),
    ...headers,
  };
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/**
 * Keeps the first `limit` bytes of the body. A short rest is drained so the connection returns to the
 * pool; a long one is cut by leaving the loop, which destroys the stream and its connection.
 */
async function readExcerpt(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (keptBytes < limit) {
        const part = chunk.subarray(0, limit - keptBytes);
        kept.push(part);
        keptBytes += part.byteLength;
      }
      if (total > DRAIN_LIMIT) break;
    }
  } catch {
    // The status already answers the webhook; a body cut short (timeout, reset) only shortens the excerpt.
  }
  // stream: true leaves out a multi-byte character cut in half at the limit instead of garbling it.
  return new TextDecoder().decode(Buffer.concat(kept, keptBytes), { stream: true });
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA", "ENODATA"]);
const CONNECT_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "EADDRNOTAVAIL"]);
const TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"]);
const INVALID_CODES = new Set([
  "UND_ERR_INVALID_ARG",
  "ERR_INVALID_URL",
  "ERR_INVALID_CHAR",
  "ERR_INVALID_HTTP_TOKEN",
]);

/** Node and undici wrap causes in causes (AggregateError for happy eyeballs): look a few levels deep. */
function errorKindOf(error: unknown, depth = 0): DeliveryErrorKind {
  if (isSsrfBlockedError(error)) return "ssrf-blocked";
  if (typeof error !== "object" || error === null || depth > 4) return "network";
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") {
    if (DNS_CODES.has(code)) return "dns";
    if (CONNECT_CODES.has(code)) return "connect";
    if (TIMEOUT_CODES.has(code)) return "timeout";
    if (RESET_CODES.has(code)) return "reset";
    if (INVALID_CODES.has(code)) return "invalid-request";
    if (/^(ERR_TLS|ERR_SSL|ERR_OSSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(code)) {
      return "tls";
    }
  }
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    if (inner !== undefined) {
      const kind = errorKindOf(inner, depth + 1);
      if (kind !== "network") return kind;
    }
  }
  return "network";
}

function describe(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown; cause?: { message?: unknown } } | null;
  const message = String(e?.message || e?.cause?.message || error);
  return typeof e?.code === "string" && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
