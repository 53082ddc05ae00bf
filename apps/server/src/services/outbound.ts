import { createSsrfGuardedAgent } from "@genie/webhook-core";
import type { Dispatcher } from "undici";
import type { Config } from "../config";

/** Outbound settings as configured (GENIE_SSRF_ALLOW, GENIE_DELIVERY_TIMEOUT_MS): the one shape of them. */
export type OutboundSettings = Pick<Config["delivery"], "ssrfAllow" | "timeoutMs">;

/** A test send waits for the receiver at most this long, whatever the worker's timeout: a person is waiting. */
export const TEST_SEND_TIMEOUT_MS = 15_000;

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
   * The SSRF-guarded pool test sends go through.
   * @default webhook-core's shared guarded pool, which allows nothing internal
   */
  agent?: Dispatcher;
};

/** Without configuration: nothing internal is reachable, and a test send waits at most 15 s. */
export const DEFAULT_OUTBOUND: Outbound = { ssrfAllow: [], timeoutMs: TEST_SEND_TIMEOUT_MS };

/** The API's outbound side from the settings: a guarded pool with their allow-list; `close()` it at the end. */
export function createOutbound(
  settings: OutboundSettings = { ssrfAllow: [], timeoutMs: TEST_SEND_TIMEOUT_MS },
) {
  const agent = createSsrfGuardedAgent({ allow: settings.ssrfAllow });
  return {
    ssrfAllow: settings.ssrfAllow,
    timeoutMs: Math.min(settings.timeoutMs, TEST_SEND_TIMEOUT_MS),
    agent,
  } satisfies Outbound;
}
