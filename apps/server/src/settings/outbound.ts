import type { Dispatcher } from "undici";

/**
 * How the API reaches receivers itself (sendTest) and what its SSRF check lets through when an
 * endpoint URL is saved. The delivery worker has its own pool with the same allow-list. Kept below
 * both the request context and the services, so the context can default it without importing a service.
 */
export type Outbound = {
  /** Hosts and CIDRs the SSRF guard lets through (config `GENIE_SSRF_ALLOW`); empty in production. */
  ssrfAllow: readonly string[];
  /** The most a test send may take, end to end. */
  timeoutMs: number;
  /**
   * The SSRF-guarded pool test sends go through.
   * @default webhook-core's shared guarded pool, which allows nothing internal
   */
  agent?: Dispatcher;
};

/** A test send waits for the receiver at most this long, whatever the worker's timeout: a person is waiting. */
export const TEST_SEND_TIMEOUT_MS = 15_000;

/** Without configuration: nothing internal is reachable, and a test send waits at most 15 s. */
export const DEFAULT_OUTBOUND: Outbound = { ssrfAllow: [], timeoutMs: TEST_SEND_TIMEOUT_MS };
