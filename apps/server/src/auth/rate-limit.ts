/**
 * The storage interface of better-auth's rate limiter (its `rateLimit.customStorage`), plus `reset`
 * for the sign-in throttle. Fixed windows of `window` seconds, at most `max` per window and key.
 */
export type RateLimitStore = {
  consume(
    key: string,
    rule: { window: number; max: number },
  ): Promise<{ allowed: boolean; retryAfter: number | null }>;
  /** Forgets a key's count, as if its window had ended. */
  reset(key: string): Promise<void>;
};

/** Beyond this many tracked keys, expired windows are swept so memory stays bounded. */
const SWEEP_ABOVE = 10_000;

/**
 * Fixed-window counters in this process's memory, one store per auth instance. better-auth's own
 * memory store is shared by every instance in the process, so two servers in one process (tests)
 * would count each other's attempts. Like any memory store it is per process: the embedded database
 * uses it (one process); on PostgreSQL the limits are counted in the database (limit-store.ts).
 */
export function createMemoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const windows = new Map<string, { resetAt: number; count: number }>();
  return {
    async reset(key) {
      windows.delete(key);
    },
    async consume(key, { window, max }) {
      const time = now();
      const current = windows.get(key);
      if (!current || current.resetAt <= time) {
        if (windows.size >= SWEEP_ABOVE) {
          for (const [k, w] of windows) if (w.resetAt <= time) windows.delete(k);
        }
        windows.set(key, { resetAt: time + window * 1000, count: 1 });
        return { allowed: true, retryAfter: null };
      }
      if (current.count >= max) {
        return { allowed: false, retryAfter: Math.ceil((current.resetAt - time) / 1000) };
      }
      current.count += 1;
      return { allowed: true, retryAfter: null };
    },
  };
}
