// Runtime-neutral: verifying a Fetch `Request` (Node 18+, Deno, Bun, Workers, Next.js route handlers).
import { WebhookVerificationError } from "./errors";
import type { HeadersLike, VerifiedWebhook } from "./parse";

/** A verified webhook request: its identity and the body it carried. */
export type VerifiedRequest = VerifiedWebhook & {
  /** The body exactly as received. */
  rawBody: Uint8Array;
  /** The body as UTF-8 text, ready for `JSON.parse`. */
  body: string;
};

/** Limits for reading a request body before verifying it. */
export type ReadBodyOptions = {
  /**
   * Refuse bodies larger than this many bytes (reason `invalid-payload`) rather than buffer them.
   * @default 1_048_576 (1 MiB)
   */
  maxBodyBytes?: number;
};

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Reads a web stream to its end, refusing more than `limit` bytes. */
export async function readLimited(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

export function tooLarge(limit: number): WebhookVerificationError {
  return new WebhookVerificationError("invalid-payload", `the body is larger than ${limit} bytes`);
}

export function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads a `Request`'s body once (bounded) and verifies it with the given verify function. */
export async function verifyFetchRequest(
  request: Request,
  verify: (payload: Uint8Array, headers: HeadersLike) => VerifiedWebhook | Promise<VerifiedWebhook>,
  options: ReadBodyOptions = {},
): Promise<VerifiedRequest> {
  if (request.bodyUsed) {
    throw new WebhookVerificationError(
      "invalid-payload",
      "the request body was already read (request.json() or .text() ran before verification): verify first, then parse the body it returns",
    );
  }
  const rawBody = await readLimited(request.body, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const verified = await verify(rawBody, request.headers);
  return { ...verified, rawBody, body: new TextDecoder().decode(rawBody) };
}
