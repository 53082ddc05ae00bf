import { createSsrfGuardedAgent } from "@genie/webhook-core";
import type { Config } from "../config";
import { type Outbound, TEST_SEND_TIMEOUT_MS } from "../settings/outbound";

/** Outbound settings as configured (GENIE_SSRF_ALLOW, GENIE_DELIVERY_TIMEOUT_MS): the one shape of them. */
export type OutboundSettings = Pick<Config["delivery"], "ssrfAllow" | "timeoutMs">;

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
