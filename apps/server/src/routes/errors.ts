import { isUtf8 } from "node:buffer";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, INTERNAL_ERROR_MESSAGE, isAppError } from "../errors";
import { withoutQuery } from "../logging";

/**
 * The error handler of every REST route (the intake, the CSV export, sign-in): an AppError answers
 * with its status and JSON body, Fastify's own refusals (bad JSON, too large, rate limited) become
 * AppErrors, and anything else is logged with its stack through the request's logger and answered
 * with a generic 500 that carries no internals. tRPC answers its own errors (see trpc.ts).
 */
export function restErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const appError = asAppError(error);
  if (appError) return reply.code(appError.statusCode).send(appError.toApiError());
  request.log.error({ err: error }, "request failed");
  return reply.code(500).send({ statusCode: 500, error: "internal_error", message: INTERNAL_ERROR_MESSAGE });
}

/** The machine name an error's answer carries (`validation_failed`, `rate_limited`, …; else `internal_error`). */
export function reasonOf(error: FastifyError | Error): string {
  return asAppError(error)?.reason ?? "internal_error";
}

/**
 * What any unknown path answers (and the dashboard's fallback passes on): a 404 naming the method
 * and path. Fastify's own handler logs and answers the whole URL, query string included, and query
 * strings carry what people searched for and tRPC input (contact emails): here only the path is kept.
 */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = withoutQuery(request.url);
  request.log.info({ method: request.method, path }, "route not found");
  const refusal = new AppError("NOT_FOUND", {
    reason: "route_not_found",
    userMessage: `No route ${request.method} ${path}.`,
  });
  return reply.code(refusal.statusCode).send(refusal.toApiError());
}

function asAppError(error: FastifyError | Error): AppError | null {
  if (isAppError(error)) return error;
  const { code, statusCode } = error as FastifyError;
  const userMessage = error.message;
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError("PAYLOAD_TOO_LARGE", { reason: "body_too_large", userMessage });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError("UNSUPPORTED_MEDIA_TYPE", { reason: "unsupported_media_type", userMessage });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new AppError("BAD_REQUEST", { reason: "invalid_json", userMessage });
  }
  if (statusCode === 429) return new AppError("TOO_MANY_REQUESTS", { reason: "rate_limited", userMessage });
  // Fastify's other client errors (a malformed request) name the problem in their message.
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return new AppError("BAD_REQUEST", { reason: "bad_request", userMessage });
  }
  return null;
}

/**
 * Parses `application/json` bodies, refusing bytes that are not UTF-8: decoding them would turn each
 * bad byte into U+FFFD silently, and the stored contact would no longer be what was sent.
 */
export function strictJsonParser(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser("error", "error");
  return (request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
    if (!isUtf8(body)) {
      return done(
        new AppError("BAD_REQUEST", {
          reason: "invalid_json",
          userMessage: "The body is not valid UTF-8; send JSON encoded as UTF-8.",
        }),
      );
    }
    parseJson(request, body.toString("utf8"), done);
  };
}
