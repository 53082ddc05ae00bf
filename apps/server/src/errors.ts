import type { ApiError } from "@genie/schemas";

/**
 * What a request can fail with on purpose, and the HTTP status each one answers with: the one map
 * for tRPC procedures and REST routes alike (they are tRPC's own codes and statuses; a test checks).
 * Anything that is not an AppError is a bug and answers 500 with a generic message.
 */
export const HTTP_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
} as const;

export type AppErrorCode = keyof typeof HTTP_STATUS;

/**
 * The one error a service or route throws on purpose. `userMessage` is shown as it is, so it names
 * the problem and never carries internals. `reason` is the stable machine name REST answers carry
 * (`project_not_found`); `fieldErrors` point at the fields to fix. Another account's data is always
 * NOT_FOUND, never "forbidden": whether an id exists elsewhere is not something to disclose.
 */
export class AppError extends Error {
  override name = "AppError";
  readonly code: AppErrorCode;
  readonly userMessage: string;
  readonly reason: string;
  readonly fieldErrors: Record<string, string[]> | undefined;

  constructor(
    code: AppErrorCode,
    options: {
      userMessage: string;
      reason?: string;
      fieldErrors?: Record<string, string[]>;
      cause?: unknown;
    },
  ) {
    super(options.userMessage, { cause: options.cause });
    this.code = code;
    this.userMessage = options.userMessage;
    this.reason = options.reason ?? code.toLowerCase();
    this.fieldErrors = options.fieldErrors;
  }

  get statusCode(): number {
    return HTTP_STATUS[this.code];
  }

  /** The JSON body of a REST refusal. */
  toApiError(): ApiError {
    return {
      statusCode: this.statusCode,
      error: this.reason,
      message: this.userMessage,
      ...(this.fieldErrors && { fieldErrors: this.fieldErrors }),
    };
  }
}

/** Also true across realms and module copies, where `instanceof` is not. */
export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError || (error as { name?: unknown } | null)?.name === "AppError";
}

/** The NOT_FOUND of a missing id, or of one that belongs to another account. */
export function notFound(what: string): AppError {
  return new AppError("NOT_FOUND", { userMessage: `${what} not found.` });
}

/** What every unexpected failure answers: the cause goes to the server's log, never to the caller. */
export const INTERNAL_ERROR_MESSAGE =
  "Something went wrong on our side; nothing was changed. Please try again.";

/** What a request without a valid credential (no session, no key, or an unknown or revoked key) hears. */
export const UNAUTHORIZED_MESSAGE = "Sign in first, or send a valid API key.";
