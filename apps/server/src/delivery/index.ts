import type { Config } from "../config";
import type { Database, SqlRunner } from "../db";
import type { Metrics } from "../metrics";
import { attemptDelivery, createAttemptSender } from "./attempt";
import { workerSessions } from "./session";
import { DeliveryWorker } from "./worker";

/** The delivery worker of one process, configured from the environment (see config.ts). */
export function createDeliveryWorker(
  sql: SqlRunner,
  config: Pick<
    Config["delivery"],
    "ssrfAllow" | "timeoutMs" | "maxInFlight" | "maxInFlightPerEndpoint" | "pollIntervalMs"
  > &
    Partial<Pick<Config["delivery"], "takeoverIntervalMs">>,
  options: {
    workerId?: string;
    onError?: (error: unknown, what: string) => void;
    metrics?: Metrics;
    /**
     * The database the worker runs on, for scale-out: on PostgreSQL the worker holds a session of its
     * own (liveness lock, wake-ups); on the embedded database it is the only worker there is.
     */
    database?: Pick<Database, "mode" | "connect">;
  } = {},
): DeliveryWorker {
  const { database, ...rest } = options;
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
    ...(config.takeoverIntervalMs && { takeoverIntervalMs: config.takeoverIntervalMs }),
    ...(database?.connect && { openSession: workerSessions(database.connect) }),
    soleWorker: database?.mode === "pglite",
    ...rest,
    afterStop: () => sender.agent.close(),
  });
}

export { DeliveryWorker };
