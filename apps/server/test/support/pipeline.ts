import type { Database, DatabaseMode } from "../../src/db";
import { createDeliveryWorker, type DeliveryWorker } from "../../src/delivery";
import { createMetrics, type Metrics } from "../../src/metrics";
import { buildServer, type ServerOptions } from "../../src/server";
import { openTestDatabase } from "./databases";
import { LOOPBACK_DELIVERY, type Script, startReceiver } from "./receiver";

export type PipelineOptions = {
  /** How the receiver answers each path (200 for paths without a script). */
  scripts?: Record<string, Script>;
  /** Worker settings over LOOPBACK_DELIVERY; `false`: no worker (the test starts its own). */
  delivery?: Partial<typeof LOOPBACK_DELIVERY> | false;
  /** Whether the intake hands new deliveries to the worker in memory. @default true */
  handOff?: boolean;
  /** Errors the worker survives (default: printed). */
  onWorkerError?: (error: unknown, what: string) => void;
  /** More server options (the intake's limits are lifted unless given). */
  server?: Partial<Omit<ServerOptions, "db">>;
};

export type Pipeline = {
  db: Database;
  /** Null when the test asked for no worker. */
  worker: DeliveryWorker | null;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  app: Awaited<ReturnType<typeof buildServer>>;
  /** The server's base URL on loopback. */
  url: string;
  metrics: Metrics;
  /** POSTs a registration to /api/contacts and returns the raw response. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POSTs a registration that must be accepted (201) and returns the contact's id. */
  register(body: unknown, headers?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
};

/**
 * The whole pipeline on loopback, as the tests of intake and delivery need it: a fresh database of
 * `mode`, a CRM stand-in (receiver), a delivery worker, and the HTTP server with the intake handing
 * deliveries to that worker. `close()` stops them in the order that loses nothing.
 */
export async function startPipeline(mode: DatabaseMode, options: PipelineOptions = {}): Promise<Pipeline> {
  const db = await openTestDatabase(mode);
  const receiver = await startReceiver(options.scripts ?? {});
  const metrics = createMetrics();
  const worker =
    options.delivery === false
      ? null
      : createDeliveryWorker(
          db.workerSql,
          { ...LOOPBACK_DELIVERY, ...options.delivery },
          { metrics, ...(options.onWorkerError && { onError: options.onWorkerError }) },
        );
  worker?.start();
  const { intake, api, ...server } = options.server ?? {};
  const app = await buildServer({
    db,
    metrics,
    ...server,
    // Redeliveries from the API wake this worker, as in one `--role all` process.
    api: { ...(worker && { worker }), ...api },
    intake: {
      perClientPerMinute: 100_000,
      ...(worker && options.handOff !== false && { handOff: worker }),
      ...intake,
    },
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/contacts`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    db,
    worker,
    receiver,
    app,
    url,
    metrics,
    post,
    async register(body, headers) {
      const response = await post(body, headers);
      if (response.status !== 201) {
        throw new Error(`registration answered ${response.status}: ${await response.text()}`);
      }
      return ((await response.json()) as { id: string }).id;
    },
    async close() {
      await app.close();
      await worker?.stop(1000);
      await receiver.close();
      await db.close();
    },
  };
}
