import type { Config } from "../config";
import type { PrismaClient } from "../generated/prisma/client";
import { attemptDelivery, createAttemptSender } from "./attempt";
import { Dispatcher } from "./dispatcher";

/** The delivery worker of one process, configured from the environment (see config.ts). */
export function createDeliveryWorker(prisma: PrismaClient, config: Config["delivery"], workerId?: string) {
  const sender = createAttemptSender({ timeoutMs: config.timeoutMs, ssrfAllow: config.ssrfAllow });
  const dispatcher = new Dispatcher({
    prisma,
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
    notify: (deliveryIds: string[]) => dispatcher.notify(deliveryIds),
    async stop(graceMs?: number) {
      await dispatcher.stop(graceMs);
      await sender.dispatcher.close();
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
