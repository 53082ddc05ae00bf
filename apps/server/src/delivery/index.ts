import type { Config } from "../config";
import type { SqlRunner } from "../db";
import { attemptDelivery, createAttemptSender } from "./attempt";
import { Dispatcher } from "./dispatcher";
import type { ClaimedDelivery } from "./store";

/** The delivery worker of one process, configured from the environment (see config.ts). */
export function createDeliveryWorker(sql: SqlRunner, config: Config["delivery"], workerId?: string) {
  const sender = createAttemptSender({ timeoutMs: config.timeoutMs, ssrfAllow: config.ssrfAllow });
  const dispatcher = new Dispatcher({
    sql,
    attempt: (delivery) => attemptDelivery(sender, delivery),
    maxInFlight: config.maxInFlight,
    maxInFlightPerEndpoint: config.maxInFlightPerEndpoint,
    // A claim must outlast the attempt it covers, or another worker would send it a second time.
    leaseMs: config.timeoutMs + 5000,
    pollIntervalMs: config.pollIntervalMs,
    workerId,
  });
  return {
    workerId: dispatcher.workerId,
    start: () => dispatcher.start(),
    /** For the intake of the same process (see DeliveryHandOff). */
    handOff: {
      lease: () => dispatcher.leaseForHandOff(),
      adopt: (deliveries: ClaimedDelivery[]) => dispatcher.adopt(deliveries),
    },
    /** Wakes deliveries queued again by the API (redeliver) without waiting for the next poll. */
    notify: (deliveryIds: string[]) => dispatcher.notify(deliveryIds),
    async stop(graceMs?: number) {
      await dispatcher.stop(graceMs);
      await sender.dispatcher.close();
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
