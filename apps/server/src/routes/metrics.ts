import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import { Gauge } from "prom-client";
import type { Database } from "../db";
import { AppError } from "../errors";
import type { Metrics } from "../metrics";

/** Advisory lock class of the one process that reports the database-wide gauges (key 0). */
export const METRICS_LOCK_CLASS = 1_734_700_646;

export type MetricsRouteOptions = {
  db: Pick<Database, "sql" | "mode" | "connect" | "poolStats">;
  metrics: Metrics;
  /** GENIE_METRICS_TOKEN: scrapers send it as a bearer token. Unset: /metrics answers 404. */
  token: string | undefined;
};

/**
 * `GET /metrics` in Prometheus text, on every process (API, worker-only, both), behind a bearer token.
 * Beside the process's own counters: its database pool, and the database-wide gauges (deliveries
 * pending and due, the age of the oldest due one, endpoints Genie disabled), which only the holder
 * of one advisory lock reports (the others report 0), so a sum over processes is right.
 */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRouteOptions) {
  const { metrics, token } = options;
  registerDatabaseGauges(options.db, metrics);
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  app.get("/metrics", async (request, reply) => {
    if (!expected) {
      throw new AppError("NOT_FOUND", {
        reason: "metrics_disabled",
        userMessage: "Metrics are off: set GENIE_METRICS_TOKEN to serve them.",
      });
    }
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError("UNAUTHORIZED", {
        reason: "unauthorized",
        userMessage: "Send the metrics token: Authorization: Bearer <GENIE_METRICS_TOKEN>.",
      });
    }
    const text = await metrics.registry.metrics();
    return reply.header("content-type", metrics.registry.contentType).send(text);
  });
}

type DatabaseFigures = { pending: number; due: number; oldest_due_seconds: number; disabled: number };

function registerDatabaseGauges(db: MetricsRouteOptions["db"], metrics: Metrics) {
  const registers = [metrics.registry];
  const pool = db.poolStats;
  if (pool) {
    new Gauge({
      name: "genie_db_pool_connections",
      help: "This process's database pools (main, and the delivery worker's own): connections by state (idle, busy) and queries waiting for one.",
      labelNames: ["pool", "state"],
      registers,
      collect() {
        for (const [name, { total, idle, waiting }] of Object.entries(pool())) {
          this.set({ pool: name, state: "idle" }, idle);
          this.set({ pool: name, state: "busy" }, total - idle);
          this.set({ pool: name, state: "waiting" }, waiting);
        }
      },
    });
  }
  const holder = databaseGaugeHolder(db);
  let figures: Promise<DatabaseFigures | null> | null = null;
  // One query per scrape for the four gauges (collect runs once per gauge).
  const read = () => {
    figures ??= holder.read().finally(() => {
      setImmediate(() => {
        figures = null;
      });
    });
    return figures;
  };
  const gauge = (name: string, help: string, pick: (f: DatabaseFigures) => number) =>
    new Gauge({
      name,
      help: `${help} Reported by one process (see genie_database_gauges_holder); 0 elsewhere.`,
      registers,
      async collect() {
        const f = await read();
        this.set(f ? pick(f) : 0);
      },
    });
  gauge("genie_deliveries_pending", "Deliveries waiting to be sent (due or scheduled).", (f) => f.pending);
  gauge("genie_deliveries_due", "Deliveries due now and not sent yet.", (f) => f.due);
  gauge(
    "genie_oldest_due_delivery_age_seconds",
    "How long the oldest due delivery has been due.",
    (f) => f.oldest_due_seconds,
  );
  gauge(
    "genie_endpoints_disabled",
    "Endpoints Genie disabled (410 Gone, or failing for too long).",
    (f) => f.disabled,
  );
  new Gauge({
    name: "genie_database_gauges_holder",
    help: "1 on the one process that reports the database-wide gauges, else 0.",
    registers,
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
}

const FIGURES = `SELECT
    count(*)::int AS pending,
    count(*) FILTER (WHERE next_attempt_at <= now())::int AS due,
    coalesce(extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now())), 0)::float8
      AS oldest_due_seconds,
    (SELECT count(*)::int FROM webhook_endpoints WHERE NOT enabled AND disabled_reason IS NOT NULL) AS disabled
  FROM webhook_deliveries WHERE status = 'pending'`;

/**
 * Who reports the database-wide gauges: on PostgreSQL the process holding a session advisory lock on
 * a connection of its own (the lock goes with the process, another takes it at its next scrape); on
 * the embedded database the one process there is.
 */
function databaseGaugeHolder(db: MetricsRouteOptions["db"]) {
  if (db.mode === "pglite" || !db.connect) {
    return { read: async () => (await db.sql.query<DatabaseFigures>(FIGURES))[0] ?? null };
  }
  const connect = db.connect;
  let client: pg.Client | null = null;
  let holding = false;
  return {
    async read(): Promise<DatabaseFigures | null> {
      try {
        if (!client) {
          const fresh = connect();
          fresh.on("error", () => {
            holding = false;
            client = null;
          });
          await fresh.connect();
          client = fresh;
        }
        if (!holding) {
          const { rows } = await client.query<{ locked: boolean }>(
            "SELECT pg_try_advisory_lock($1, 0) AS locked",
            [METRICS_LOCK_CLASS],
          );
          holding = rows[0]?.locked === true;
          if (!holding) {
            // Not ours: give the connection back rather than keep one idle per process.
            await client.end().catch(() => {});
            client = null;
            return null;
          }
        }
        const { rows } = await client.query<DatabaseFigures>(FIGURES);
        return rows[0] ?? null;
      } catch {
        holding = false;
        await client?.end().catch(() => {});
        client = null;
        return null;
      }
    },
  };
}
