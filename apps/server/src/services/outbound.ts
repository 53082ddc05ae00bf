import type { Dispatcher } from "undici";

/**
 * How the API reaches receivers itself (sendTest) and what its SSRF check lets through when an
 * endpoint URL is saved. The delivery worker has its own pool with the same allow-list.
 */
export type Outbound = {
  /** Hosts and CIDRs the SSRF guard lets through (config `GENIE_SSRF_ALLOW`); empty in production. */
  ssrfAllow: readonly string[];
  /** The most a test send may take, end to end. */
  timeoutMs: number;
  /**
   * The SSRF-guarded pool test sends go through (`createSsrfGuardedAgent({ allow: ssrfAllow })`).
   * @default webhook-core's shared guarded pool, which allows nothing internal
   */
  agent?: Dispatcher;
};

/** Without configuration: nothing internal is reachable, and a test send waits at most 15 s. */
export const DEFAULT_OUTBOUND: Outbound = { ssrfAllow: [], timeoutMs: 15_000 };
