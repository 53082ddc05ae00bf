import type { IncomingMessage } from "node:http";
import { alreadyRead, checkPayload, type VerifierOptions } from "./parse";
import {
  concat,
  DEFAULT_MAX_BODY_BYTES,
  type ReadBodyOptions,
  tooLarge,
  type VerifiedRequest,
  verifyFetchRequest,
} from "./request";
import { createWebhookVerifier, type WebhookVerifier } from "./verify";

function verifierOf(verifier: WebhookVerifier | VerifierOptions): WebhookVerifier {
  return "verify" in verifier ? verifier : createWebhookVerifier(verifier);
}

/**
 * Reads a Fetch `Request`'s body (bounded) and verifies it (Node 18+, Next.js route handlers, Hono,
 * anything built on `Request`). On edge runtimes import the same function from
 * `@genie/webhook-core/web`.
 *
 * @throws WebhookVerificationError (`invalid-payload` when the body is too large or already read).
 * @example
 * export async function POST(request: Request) {
 *   const { id, body } = await verifyRequest(request, verifier);
 *   await handle(id, JSON.parse(body));
 *   return new Response(null, { status: 204 });
 * }
 */
export function verifyRequest(
  request: Request,
  verifier: WebhookVerifier | VerifierOptions,
  options?: ReadBodyOptions,
): Promise<VerifiedRequest> {
  return verifyFetchRequest(request, verifierOf(verifier).verify, options);
}

/** Where `verifyIncomingMessage` finds the body. */
export type IncomingMessageOptions = ReadBodyOptions & {
  /**
   * The raw body when a framework already read it (Express `express.raw()`, Fastify's buffer
   * parser). Without it the request stream is read here.
   */
  rawBody?: string | Uint8Array;
};

/**
 * Verifies a Node `IncomingMessage` (node:http, Express, Fastify's `request.raw`): from the raw body
 * you pass, or by reading the stream itself (bounded). If a JSON parser consumed the stream first it
 * says so, instead of failing on a re-serialised body.
 *
 * @throws WebhookVerificationError
 * @example
 * http.createServer(async (req, res) => {
 *   try {
 *     const { id, body } = await verifyIncomingMessage(req, verifier);
 *     res.writeHead(204).end();
 *   } catch (error) {
 *     res.writeHead(isWebhookVerificationError(error) ? 400 : 500).end();
 *   }
 * });
 */
export async function verifyIncomingMessage(
  request: IncomingMessage,
  verifier: WebhookVerifier | VerifierOptions,
  options: IncomingMessageOptions = {},
): Promise<VerifiedRequest> {
  const v = verifierOf(verifier);
  let rawBody: Uint8Array;
  if (options.rawBody !== undefined) {
    const given = checkPayload(options.rawBody, "options.rawBody");
    rawBody = typeof given === "string" ? Buffer.from(given, "utf8") : given;
  } else {
    if (request.readableEnded || request.readableDidRead) alreadyRead();
    rawBody = await readIncoming(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  }
  const verified = v.verify(rawBody, request.headers);
  return {
    ...verified,
    rawBody,
    body: Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength).toString("utf8"),
  };
}

async function readIncoming(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Buffer);
    size += bytes.byteLength;
    // Leaving the loop destroys the stream: a sender of an oversized body gets no further reading.
    if (size > limit) throw tooLarge(limit);
    chunks.push(bytes);
  }
  return concat(chunks, size);
}
