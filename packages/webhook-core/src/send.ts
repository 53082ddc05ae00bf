import { type Dispatcher, request } from "undici";
import { isSsrfBlockedError, SsrfBlockedError } from "./errors";
import type { ErrorKind } from "./retry";
import { parseRetryAfter } from "./retry";

/** The User-Agent Genie sends, as the original spec names it. */
export const GENIE_USER_AGENT = "GenieAI/1.0";

export type DeliverOnceInput = {
  url: string;
  /** The exact bytes that were signed. */
  body: string;
  headers: Record<string, string>;
  /** For the whole attempt: connect, send, and read the answer's start. @default 30_000 */
  timeoutMs?: number;
  /** How much of the answer to keep; the rest is discarded unread. @default 4096 */
  excerptBytes?: number;
  /** The connection pool, normally `createSsrfGuardedAgent()`. Without one, no SSRF guard applies. */
  dispatcher?: Dispatcher;
};

/** What one attempt did. Never thrown: failures are data, so the caller decides about retries. */
export type DeliveryResult = {
  ok: boolean;
  /** The HTTP status, when the receiver answered. */
  statusCode?: number;
  /** How it failed before an answer. */
  errorKind?: ErrorKind;
  errorMessage?: string;
  /** The receiver's Retry-After, in ms. */
  retryAfterMs?: number;
  /** The start of the answer's body, as text. */
  responseExcerpt?: string;
  durationMs: number;
};

/**
 * POSTs one webhook and reports what happened. Redirects are not followed (a 3xx is reported as it
 * is); the answer is read up to `excerptBytes` and the rest discarded.
 *
 * @example
 * const result = await deliverOnce({ url, body, headers: { ...signWebhook({ id, body, secrets }) }, dispatcher });
 * if (!result.ok) console.log(result.statusCode ?? result.errorKind);
 */
export async function deliverOnce(input: DeliverOnceInput): Promise<DeliveryResult> {
  const started = performance.now();
  const timeoutMs = input.timeoutMs ?? 30_000;
  const signal = AbortSignal.timeout(timeoutMs);
  const elapsed = () => performance.now() - started;
  try {
    const response = await request(input.url, {
      method: "POST",
      body: input.body,
      headers: input.headers,
      dispatcher: input.dispatcher,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const responseExcerpt = await readExcerpt(response.body, input.excerptBytes ?? 4096);
    const retryAfter = response.headers["retry-after"];
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      statusCode: response.statusCode,
      responseExcerpt,
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
      durationMs: elapsed(),
    };
  } catch (error) {
    const kind = signal.aborted ? "timeout" : errorKind(error);
    return {
      ok: false,
      errorKind: kind,
      errorMessage: kind === "timeout" ? `no answer within ${timeoutMs} ms` : describe(error),
      durationMs: elapsed(),
    };
  }
}

async function readExcerpt(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) {
      // Enough: closing the stream drops the rest (and that connection) instead of reading it all.
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

/** Maps the error of a failed request to what a person debugging a webhook needs to know. */
export function errorKind(error: unknown): ErrorKind {
  if (isSsrfBlockedError(error) || isSsrfBlockedError((error as { cause?: unknown })?.cause))
    return "ssrf-blocked";
  const e = (error ?? {}) as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? "";
  if (e.name === "InvalidArgumentError" || code === "ERR_INVALID_URL") return "invalid-url";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ENODATA") return "dns";
  if (
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  ) {
    return "timeout";
  }
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code)) return "tls";
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET" || code === "UND_ERR_CLOSED") {
    return "reset";
  }
  return "connect";
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; cause?: { message?: string } };
  const message = e?.message || e?.cause?.message || String(error);
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

export { SsrfBlockedError };
