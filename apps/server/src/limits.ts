import type { Session } from "./auth";
import { AppError } from "./errors";
import { createMemoryLimitStore, type LimitStore } from "./limit-store";

/** How often one account may start an expensive operation, and how many it may have running at once. */
export type Limit = { perMinute: number; concurrent: number };

/** The operations limited per account, as refusals name them. */
const OPERATIONS = {
  sendTest: "test sends",
  redeliverFailed: "bulk redeliveries",
  endpointSave: "endpoint saves",
  stats: "statistics queries",
  contactsExport: "contact exports",
  apiKeyRequests: "requests with this API key",
} as const;
export type LimitedOperation = keyof typeof OPERATIONS;

/**
 * Test sends hold an outbound connection for up to 15 s; a bulk redelivery rewrites up to 10,000
 * deliveries; an endpoint save resolves the URL's host (up to 2 s); statistics and the CSV export
 * read every row of a range. The dashboard needs far fewer than these.
 */
export const DEFAULT_ACCOUNT_LIMITS: Record<LimitedOperation, Limit> = {
  sendTest: { perMinute: 20, concurrent: 3 },
  redeliverFailed: { perMinute: 10, concurrent: 1 },
  endpointSave: { perMinute: 30, concurrent: 3 },
  stats: { perMinute: 60, concurrent: 3 },
  contactsExport: { perMinute: 10, concurrent: 2 },
  // Counted per key, not per account (trpc.ts): a script's steady use, not a flood.
  apiKeyRequests: { perMinute: 600, concurrent: 10 },
};

export type AccountLimits = {
  /**
   * Counts one start of `operation` for the account, or refuses it with TOO_MANY_REQUESTS (429) and a
   * message saying which limit and when to retry. The returned function ends the operation (once);
   * it resolves when the account's slot is free again.
   */
  acquire(operation: LimitedOperation, userId: string): Promise<() => Promise<void>>;
  /** `fn` under the account's limit for `operation`. */
  run<T>(operation: LimitedOperation, userId: string, fn: () => Promise<T>): Promise<T>;
};

/**
 * Per-account limits counted in `store`: the database's on PostgreSQL, so an account gets each limit
 * once whatever number of API processes serve it; this process's memory on the embedded database.
 */
export function createAccountLimits(
  overrides: Partial<Record<LimitedOperation, Limit>> = {},
  store: LimitStore = createMemoryLimitStore(),
): AccountLimits {
  const limits = { ...DEFAULT_ACCOUNT_LIMITS, ...overrides };

  async function acquire(operation: LimitedOperation, userId: string) {
    const { perMinute, concurrent } = limits[operation];
    const what = OPERATIONS[operation];
    const key = `${operation}:${userId}`;
    // The slot first: a refused start then costs nothing of the minute's allowance.
    const release = await store.leases.acquire(key, concurrent);
    if (!release) {
      throw refusal(
        `Too many ${what} at once for this account (at most ${concurrent}): wait for one to finish.`,
      );
    }
    try {
      const { allowed, retryAfter } = await store.windows.consume(key, { window: 60, max: perMinute });
      if (!allowed) {
        throw refusal(
          `Too many ${what} for this account (at most ${perMinute} a minute): try again in ${retryAfter ?? 60} s.`,
        );
      }
    } catch (error) {
      await release();
      throw error;
    }
    return release;
  }

  return {
    acquire,
    async run(operation, userId, fn) {
      const release = await acquire(operation, userId);
      try {
        return await fn();
      } finally {
        await release();
      }
    },
  };
}

/** For callers that build a context themselves (tests): nothing is limited. */
export const NO_ACCOUNT_LIMITS: AccountLimits = {
  acquire: async () => async () => {},
  run: (_operation, _userId, fn) => fn(),
};

function refusal(userMessage: string): AppError {
  return new AppError("TOO_MANY_REQUESTS", { reason: "rate_limited", userMessage });
}

/**
 * A tRPC middleware running the procedure under the signed-in account's limit for `operation`:
 * `protectedProcedure.use(accountLimit("sendTest"))`.
 */
export function accountLimit(operation: LimitedOperation) {
  return <R>({ ctx, next }: { ctx: { limits: AccountLimits; session: Session }; next: () => Promise<R> }) =>
    ctx.limits.run(operation, ctx.session.userId, next);
}
