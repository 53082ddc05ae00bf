/**
 * The most procedure calls one batched tRPC request may hold (the adapter's `maxBatchSize`). Every
 * call of a batch runs, and counts against the account's limits, as if sent alone; the dashboard's
 * busiest page batches about a dozen. Above it the whole batch is refused with 400 `batch_too_large`.
 */
export const MAX_BATCH_SIZE = 50;

/** The message tRPC refuses a batch above `maxBatchSize` with; trpc.ts answers it in clearer words. */
export const TRPC_BATCH_TOO_LARGE = "Batch call exceeds maximum size";
