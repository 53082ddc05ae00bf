import { fieldErrorsOf } from "@genie/schemas";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { Context } from "./context";
import { AppError, INTERNAL_ERROR_MESSAGE, isAppError, UNAUTHORIZED_MESSAGE } from "./errors";
import { MAX_BATCH_SIZE, TRPC_BATCH_TOO_LARGE } from "./settings/trpc";

// The only place tRPC is initialised: everything else builds on these exports.
const t = initTRPC.context<Context>().create({
  // Stack traces stay in the server's log; tRPC would otherwise send them whenever NODE_ENV is not
  // "production", and `pnpm start` does not set it.
  isDev: false,
  // Live streams (Server-Sent Events) ping well inside the server's 120 s idle-socket timeout, and the
  // browser reconnects (resuming from its last event id) when a stream falls silent past that.
  sse: {
    ping: { enabled: true, intervalMs: 20_000 },
    client: { reconnectAfterInactivityMs: 50_000 },
  },
  errorFormatter({ shape, error }) {
    // An unexpected error's message may carry SQL, file paths or a receiver's words: the server's log
    // has it (see onError in server.ts), the caller gets a message that says what to do.
    const internal = error.code === "INTERNAL_SERVER_ERROR" && !isAppError(error.cause);
    const batchTooLarge = error.code === "BAD_REQUEST" && error.message === TRPC_BATCH_TOO_LARGE;
    return {
      ...shape,
      message: internal
        ? INTERNAL_ERROR_MESSAGE
        : batchTooLarge
          ? `A batch holds at most ${MAX_BATCH_SIZE} procedure calls: send fewer at once.`
          : shape.message,
      data: {
        ...shape.data,
        // The stable machine name clients branch on (`project_not_found`, `validation_failed`): the
        // same words REST refusals carry in `error`. Messages may change; reasons do not.
        reason: internal
          ? "internal_error"
          : batchTooLarge
            ? "batch_too_large"
            : isAppError(error.cause)
              ? error.cause.reason
              : error.cause instanceof ZodError
                ? "validation_failed"
                : error.code.toLowerCase(),
        fieldErrors:
          error.cause instanceof ZodError
            ? fieldErrorsOf(error.cause).fieldErrors
            : isAppError(error.cause)
              ? (error.cause.fieldErrors ?? null)
              : null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Services throw AppError; callers see its tRPC code and its user message, the cause stays attached. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  const cause = result.ok ? undefined : result.error.cause;
  if (isAppError(cause)) throw new TRPCError({ code: cause.code, message: cause.userMessage, cause });
  return result;
});

export const publicProcedure = t.procedure.use(mapAppErrors);

/**
 * A procedure only an account owner may call, signed in or with an API key; below it `ctx.session`
 * is never null. A mutation made with the session cookie must come from the dashboard's own origin
 * (context.ts); one made with a key needs a `write` key. Requests with a key count against the key's
 * limit (limits.ts).
 */
export const protectedProcedure = publicProcedure.use(({ ctx, type, next }) => {
  // The same words for a missing, unknown or revoked key: which one it was is not disclosed.
  const { session } = ctx;
  if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: UNAUTHORIZED_MESSAGE });
  if (type === "mutation" && ctx.apiKey?.scope === "read") {
    throw new AppError("FORBIDDEN", {
      reason: "api_key_read_only",
      userMessage: "This API key may only read: changes need a key with the write scope.",
    });
  }
  if (type === "mutation" && !ctx.apiKey && !ctx.sameOrigin) {
    throw new AppError("FORBIDDEN", {
      reason: "cross_origin_refused",
      userMessage: "Changes with the session cookie are accepted from the dashboard's own origin only.",
    });
  }
  const below = () => next({ ctx: { ...ctx, session } });
  return ctx.apiKey ? ctx.limits.run("apiKeyRequests", ctx.apiKey.keyId, below) : below();
});

/** The account, its password and its API keys: the signed-in owner only, never an API key. */
export const sessionProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.apiKey) {
    throw new AppError("FORBIDDEN", {
      reason: "api_key_not_allowed",
      userMessage: "API keys cannot manage the account or its keys: sign in to the dashboard.",
    });
  }
  return next();
});
