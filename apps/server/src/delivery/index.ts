import type { Config } from "../config";
import type { SqlRunner } from "../db";
import { attemptDelivery, createAttemptSender } from "./attempt";
import { DeliveryWorker } from "./worker";

/** The delivery worker of one process, configured from the environment (see config.ts). */
export function createDeliveryWorker(
  sql: SqlRunner,
  config: Config["delivery"],
  options: { workerId?: string; onError?: (error: unknown, what: string) => void } = {},
): DeliveryWorker {
  const sender = createAttemptSender({ timeoutMs: config.timeoutMs, ssrfAllow: config.ssrfAllow });
  return new DeliveryWorker({
    sql,
    attempt: (delivery, signal) => attemptDelivery(sender, delivery, signal),
    maxInFlight: config.maxInFlight,
    maxInFlightPerEndpoint: config.maxInFlightPerEndpoint,
    // A claim must outlast the attempt it covers, or another worker would send it a second time.
    leaseMs: config.timeoutMs + 5000,
    attemptTimeoutMs: config.timeoutMs,
    pollIntervalMs: config.pollIntervalMs,
    ...options,
    afterStop: () => sender.agent.close(),
  });
}

export { DeliveryWorker };
