// The peer of Genie's delivery-throughput row: a BullMQ worker on its own Redis (appendonly, fsync
// every second) sending the same signed bodies through the same undici sender (webhook-core's
// deliverOnce over an SSRF-guarded agent), with as many jobs in flight as Genie's worker. Two
// variants: no log at all (BullMQ keeps the job's state in Redis), and one PostgreSQL INSERT per
// attempt (the log row Genie writes for every attempt, here with `synchronous_commit` on, like Genie's).
//
// Redis and BullMQ are benchmark dependencies only; the product never needs them.
//
// `runBullmqPeer()` is called by pipeline.bench.ts (the `bullmq` suite); run as a script with
// `worker` it is the worker process it starts (a process of its own, like Genie's `--role worker`).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSsrfGuardedAgent, deliverOnce, GENIE_USER_AGENT, signWebhook } from "@genie/webhook-core";
import { Queue, Worker } from "bullmq";
import pg from "pg";

const QUEUE = "webhooks";

/** A free TCP port on loopback (asked of the kernel, then given back). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A Redis of the benchmark's own: loopback only, append-only file fsynced every second, no RDB snapshots. */
export async function startRedis(): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "genie-bench-redis-"));
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--save",
      "",
      "--protected-mode",
      "yes",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PeerResult = { seconds: number; completed: number };

/**
 * Queues `total` jobs (one per body, as Genie's outbox holds one row per delivery), then times a
 * BullMQ worker process with `concurrency` jobs in flight from its start until every job completed.
 */
export async function runBullmqPeer(options: {
  total: number;
  concurrency: number;
  url: string;
  body: string;
  secret: string;
  /** With a PostgreSQL database URL, each attempt INSERTs one log row there. */
  logDatabaseUrl?: string;
}): Promise<PeerResult> {
  const redis = await startRedis();
  const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(QUEUE, { connection });
  let worker: ChildProcess | undefined;
  try {
    const jobs = Array.from({ length: options.total }, (_, i) => ({
      name: "registration.submitted",
      data: { eventId: `evt_${i}`, url: options.url, body: options.body },
    }));
    for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
    if (options.logDatabaseUrl) {
      const client = new pg.Client({ connectionString: options.logDatabaseUrl });
      await client.connect();
      // The columns a log row of an attempt needs (delivery, url, status, success, duration, time).
      await client.query(`CREATE TABLE IF NOT EXISTS bullmq_logs (
        id bigserial PRIMARY KEY, job_id text NOT NULL, event_id text NOT NULL, webhook_url text NOT NULL,
        status_code int, success boolean NOT NULL, error_message text, attempt_number int NOT NULL,
        duration_ms int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
      await client.end();
    }
    const script = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, ["--import", "tsx", script, "worker"], {
      env: {
        ...process.env,
        PEER_REDIS_PORT: String(redis.port),
        PEER_CONCURRENCY: String(options.concurrency),
        PEER_SECRET: options.secret,
        PEER_LOG_DATABASE_URL: options.logDatabaseUrl ?? "",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    worker = child;
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    const deadline = Date.now() + 30_000;
    while (!output.includes("ready")) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`peer worker did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const started = performance.now();
    const limit = Date.now() + 300_000;
    let completed = 0;
    while (Date.now() < limit) {
      completed = await queue.getCompletedCount();
      if (completed >= options.total) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { seconds: (performance.now() - started) / 1000, completed };
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill("SIGTERM");
      await new Promise((resolve) => worker?.once("exit", resolve));
    }
    await queue.close();
    await redis.stop();
  }
}

/** The worker process: signs and sends each job's body, and (with a database) logs the attempt. */
async function workerProcess() {
  const concurrency = Number(process.env.PEER_CONCURRENCY ?? 256);
  const secret = process.env.PEER_SECRET ?? "";
  const logUrl = process.env.PEER_LOG_DATABASE_URL || undefined;
  const pool = logUrl ? new pg.Pool({ connectionString: logUrl, max: 10 }) : undefined;
  const agent = createSsrfGuardedAgent({ allow: ["127.0.0.1"] });
  const worker = new Worker(
    QUEUE,
    async (job) => {
      const { eventId, url, body } = job.data as { eventId: string; url: string; body: string };
      const headers = {
        "content-type": "application/json",
        "user-agent": GENIE_USER_AGENT,
        ...signWebhook({ id: eventId, timestamp: new Date(), body, secrets: [secret] }),
      };
      const result = await deliverOnce({ url, body, headers, timeoutMs: 30_000, dispatcher: agent });
      await pool?.query(
        `INSERT INTO bullmq_logs (job_id, event_id, webhook_url, status_code, success, error_message,
           attempt_number, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          job.id,
          eventId,
          url,
          result.statusCode ?? null,
          result.ok,
          result.errorMessage ?? null,
          job.attemptsMade + 1,
          Math.round(result.durationMs),
        ],
      );
      if (!result.ok) throw new Error(result.errorMessage ?? `receiver answered ${result.statusCode}`);
    },
    {
      connection: {
        host: "127.0.0.1",
        port: Number(process.env.PEER_REDIS_PORT),
        maxRetriesPerRequest: null,
      },
      concurrency,
    },
  );
  await worker.waitUntilReady();
  console.log("ready");
  process.on("SIGTERM", async () => {
    await worker.close();
    await pool?.end();
    await agent.close();
    process.exit(0);
  });
}

if (process.argv[2] === "worker") await workerProcess();
