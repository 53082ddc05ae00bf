import { fieldErrorsOf, profileUpdateSchema, signUpSchema } from "@genie/schemas";
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import type { z } from "zod";
import { passwordProblem } from "./password-policy";
import type { RateLimitStore } from "./rate-limit";

export type SignInThrottle = {
  /** Sign-in attempts for one email address per window, from any number of client addresses. */
  max: number;
  windowSeconds: number;
};

/** 10 attempts per 15 minutes per account: a person who forgot a password needs far fewer. */
export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottle = { max: 10, windowSeconds: 15 * 60 };

/**
 * better-auth hooks that hold what it stores and who may try to sign in to what:
 * - sign-up and update-user bodies must match the shared schemas (`signUpSchema`,
 *   `profileUpdateSchema`), exactly: a too-long name or address, control characters, or a field the
 *   dashboard never sends (`image`, `callbackURL`) is refused with 400 and the fields to fix;
 * - a new password (sign-up, change-password, reset-password) must not be a common password nor the
 *   account's email address (auth/password-policy.ts): 400 with the reason in the field's error;
 * - sign-in attempts are counted per email address in `attempts` (the database's store on PostgreSQL,
 *   shared by every API process; memory on the embedded database), on top of the limit
 *   per client address, so spreading guesses over many addresses does not help. A successful sign-in
 *   clears the count. Someone who knows an owner's address can delay that owner's sign-in by up to a
 *   window: the price of making guessing slow.
 */
export function createInputHooks(
  attempts: RateLimitStore,
  throttle: SignInThrottle = DEFAULT_SIGN_IN_THROTTLE,
  mailRule: { window: number; max: number } = { window: 15 * 60, max: 5 },
) {
  const rule = { window: throttle.windowSeconds, max: throttle.max };
  return {
    before: createAuthMiddleware(async (ctx) => {
      if (ctx.path === "/sign-up/email") {
        const body = parsedBody(signUpSchema, ctx.body);
        refuseWeakPassword("password", body.password, body.email);
        return { context: { body } };
      }
      if (ctx.path === "/request-password-reset" || ctx.path === "/send-verification-email") {
        // Per address as well as per client: nobody can fill an owner's inbox from many addresses.
        // The same answer whether the address has an account or not.
        const key = accountKey(ctx.body);
        if (!key) return;
        // Counted in the sign-in attempts' store (keys apart by path): on PostgreSQL every API process
        // counts them together.
        const { allowed, retryAfter } = await attempts.consume(`${ctx.path}:${key}`, mailRule);
        if (!allowed) {
          const seconds = retryAfter ?? mailRule.window;
          throw new APIError(
            "TOO_MANY_REQUESTS",
            {
              code: "TOO_MANY_MAILS_FOR_ADDRESS",
              message: `Too many mails asked for this address: try again in ${Math.ceil(seconds / 60)} min.`,
            },
            { "retry-after": String(seconds) },
          );
        }
        return;
      }
      if (ctx.path === "/change-password" || ctx.path === "/reset-password") {
        const newPassword = (ctx.body as { newPassword?: unknown } | null)?.newPassword;
        if (typeof newPassword !== "string") return;
        let email: string | null = null;
        if (ctx.path === "/change-password") {
          email = (await getSessionFromCtx(ctx))?.user.email ?? null;
        } else {
          // The reset token names the account (better-auth stores it hashed and hashes for the lookup).
          const token = (ctx.body as { token?: unknown }).token ?? ctx.query?.token;
          const found =
            typeof token === "string"
              ? await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`)
              : null;
          const user = found ? await ctx.context.internalAdapter.findUserById(found.value) : null;
          email = user?.email ?? null;
        }
        refuseWeakPassword("newPassword", newPassword, email);
        return;
      }
      if (ctx.path === "/update-user")
        return { context: { body: parsedBody(profileUpdateSchema, ctx.body) } };
      if (ctx.path === "/sign-in/email") {
        const key = accountKey(ctx.body);
        if (!key) return;
        const { allowed, retryAfter } = await attempts.consume(key, rule);
        if (!allowed) {
          const seconds = retryAfter ?? throttle.windowSeconds;
          throw new APIError(
            "TOO_MANY_REQUESTS",
            {
              code: "TOO_MANY_ATTEMPTS_FOR_ACCOUNT",
              message: `Too many sign-in attempts for this account: try again in ${Math.ceil(seconds / 60)} min.`,
            },
            { "retry-after": String(seconds) },
          );
        }
      }
    }),
    after: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== "/sign-in/email" || isAPIError(ctx.context.returned)) return;
      const key = accountKey(ctx.body);
      if (key) await attempts.reset(key);
    }),
  };
}

/** The body as the schema parses it (trimmed), or a 400 naming each field to fix. */
function parsedBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const { formErrors, fieldErrors } = fieldErrorsOf(parsed.error);
  throw new APIError("BAD_REQUEST", {
    code: "VALIDATION_FAILED",
    message: formErrors[0] ?? "Some fields are not valid: see fieldErrors.",
    fieldErrors,
  });
}

/** A 400 naming the password field and why, when the new password is one to refuse. */
function refuseWeakPassword(field: string, password: string, email: string | null): void {
  const problem = passwordProblem(password, email);
  if (!problem) return;
  throw new APIError("BAD_REQUEST", {
    code: "WEAK_PASSWORD",
    message: `The password ${problem}.`,
    fieldErrors: { [field]: [problem] },
  });
}

/** better-auth stores addresses lower-cased; the throttle counts them the same way. */
function accountKey(body: unknown): string | null {
  const email = (body as { email?: unknown } | null)?.email;
  return typeof email === "string" ? `sign-in:${email.trim().toLowerCase()}` : null;
}
