/** The tRPC codes a service may fail with; anything else is a bug and surfaces as a 500. */
export type AppErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "TOO_MANY_REQUESTS";

/**
 * The one error a service throws on purpose. `userMessage` is shown to the account owner as it is,
 * so it names the problem and never carries internals. Another account's data is always NOT_FOUND,
 * never "forbidden": whether an id exists elsewhere is not something to disclose.
 */
export class AppError extends Error {
  override name = "AppError";
  readonly code: AppErrorCode;
  readonly userMessage: string;

  constructor(code: AppErrorCode, options: { userMessage: string; cause?: unknown }) {
    super(options.userMessage, { cause: options.cause });
    this.code = code;
    this.userMessage = options.userMessage;
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
