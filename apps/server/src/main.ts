import { authSecretOf } from "./auth/secret";
import { ConfigError, loadConfig } from "./config";
import { DatabaseUnavailableError, openDatabase } from "./db";
import { createDeliveryWorker } from "./delivery";
import { startJobs } from "./jobs";
import { buildServer } from "./server";

/** How long shutdown may take before the process gives up and exits anyway. */
const SHUTDOWN_GRACE_MS = 15_000;
/** Of that, how long attempts in flight get to finish before their leases are given back. */
const DRAIN_GRACE_MS = 10_000;

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config.database);
  // The worker runs in `all` and `worker` roles; an API-only process's deliveries wake the workers
  // sharing its PostgreSQL (a trigger's NOTIFY, see delivery/session.ts), their pollers as a safety net.
  const worker =
    config.role === "api" ? null : createDeliveryWorker(db.sql, config.delivery, { database: db });
  const app = await buildServer({
    db,
    role: config.role,
    logger: { level: config.logLevel },
    http: config.http,
    intake: { ...config.rateLimits, ...(worker && { handOff: worker }) },
    ...(config.role !== "worker" && {
      api: {
        auth: { secret: authSecretOf(config) },
        outbound: config.delivery,
        ...(worker && { worker }),
        limits: { sendTest: config.testSends },
        retentionDays: config.retentionDays,
      },
    }),
  });
  const address = await app.listen({ port: config.port, host: config.host });
  worker?.start();
  // Background jobs run beside the worker (see jobs/index.ts); their failures go to the server's log.
  const jobs = worker
    ? startJobs(db.sql, config, (error, job) => app.log.error({ err: error, job }, "job failed"))
    : null;
  console.log(`Genie is listening on ${address} (database: ${db.mode}, role: ${config.role})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Genie: ${signal} received, shutting down`);
    setTimeout(() => {
      console.error(`Genie: shutdown took longer than ${SHUTDOWN_GRACE_MS} ms, exiting`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    // Stop taking registrations first, then let the worker finish and hand back its leases.
    await app.close();
    jobs?.stop();
    await worker?.stop(DRAIN_GRACE_MS);
    await db.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  // Configuration and database problems are the user's to fix: one clear line, no stack trace.
  if (error instanceof ConfigError || error instanceof DatabaseUnavailableError) {
    console.error(`genie: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
