import { authSecretOf } from "./auth/secret";
import { loadConfig } from "./config";
import { openDatabase } from "./db";
import { createDeliveryWorker } from "./delivery";
import { startJobs } from "./jobs";
import { serverLogger } from "./logging";
import { createMailer, createOutbox } from "./mail/outbox";
import { createMailTransport } from "./mail/transport";
import { createMetrics } from "./metrics";
import { buildServer } from "./server";
import { exitWithStartupFailure } from "./startup-failure";

/**
 * After the grace period (GENIE_SHUTDOWN_GRACE_MS) attempts are cut; writing their outcomes and
 * giving back leases gets this long more before the process gives up and exits 1.
 */
const SHUTDOWN_MARGIN_MS = 5000;

async function main() {
  // The data folder and everything Genie writes into it are private to this user, whatever the umask.
  process.umask(0o077);
  const config = loadConfig();
  const db = await openDatabase(config.database);
  // The worker runs in `all` and `worker` roles; an API-only process's deliveries wake the workers
  // sharing its PostgreSQL (a trigger's NOTIFY, see delivery/session.ts), their pollers as a safety net.
  const metrics = createMetrics();
  const worker =
    config.role === "api"
      ? null
      : createDeliveryWorker(db.workerSql, config.delivery, { database: db, metrics });
  // Mail is written to the outbox by any process and sent by worker processes (mail/outbox.ts).
  const transport = worker ? createMailTransport(config.mail) : null;
  const log = serverLogger(config.logLevel);
  let mailer: ReturnType<typeof createMailer> | null = null;
  const mail =
    config.mail.mode === "off"
      ? null
      : {
          outbox: createOutbox(db.sql, db.keys, () => mailer?.wake()),
          mode: config.mail.mode,
          requireEmailVerification: config.mail.requireEmailVerification,
        };
  const app = await buildServer({
    db,
    role: config.role,
    logger: log,
    metrics,
    metricsToken: config.metricsToken,
    http: config.http,
    intake: { ...config.rateLimits, ...(worker && { handOff: worker }) },
    ...(config.role !== "worker" && {
      api: {
        auth: { secret: authSecretOf(config) },
        outbound: config.delivery,
        ...(worker && { worker }),
        limits: { sendTest: config.testSends },
        retentionDays: config.retentionDays,
        ...(mail && { mail }),
      },
    }),
  });
  if (transport) {
    mailer = createMailer(db.sql, transport, {
      // Never the body; the link only when the mail went to a file on this machine (no SMTP).
      log: (line) => app.log.info({ mail: line }, mailLogMessage(line)),
      onError: (error) => app.log.error({ err: error }, "mailer pass failed"),
    });
  }
  if (config.mail.mode === "off") {
    app.log.warn(
      "mail is off (no GENIE_SMTP_URL on PostgreSQL): no password reset, verification or alert mail is sent",
    );
  }
  const address = await app.listen({ port: config.port, host: config.host }).catch(async (error: unknown) => {
    // A taken port, say: close what is open (the data folder's lock) so the next start finds it free.
    await app.close();
    await db.close();
    throw error;
  });
  worker?.start();
  mailer?.start();
  // Background jobs run beside the worker (see jobs/index.ts); their failures go to the server's log.
  const jobs = worker
    ? startJobs(
        db.sql,
        config,
        (error, job) => app.log.error({ err: error, job }, "job failed"),
        mailer
          ? {
              keys: db.keys,
              publicUrl: config.http.publicUrl ?? address.replace("0.0.0.0", "127.0.0.1"),
              everyMs: config.mail.alertsIntervalMs,
              onQueued: () => mailer?.wake(),
            }
          : undefined,
      )
    : null;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Genie: ${signal} received, shutting down`);
    const limitMs = config.shutdownGraceMs + SHUTDOWN_MARGIN_MS;
    setTimeout(() => {
      console.error(`Genie: shutdown took longer than ${limitMs} ms, exiting`);
      process.exit(1);
    }, limitMs).unref();
    // Stop taking requests and claiming work at once; attempts in flight get the grace period, then
    // are cut (logged as aborted, retried on their schedule) and their leases given back. Requests in
    // flight (a test send to a slow receiver) get no longer than the attempts do.
    jobs?.stop();
    const cutRequests = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
    await Promise.all([app.close(), worker?.stop(config.shutdownGraceMs), mailer?.stop()]);
    clearTimeout(cutRequests);
    await db.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Announced once the signals are ours: whoever waits for this line may stop the process at once.
  console.log(`Genie is listening on ${address} (database: ${db.mode}, role: ${config.role})`);
}

/** One line per mail: which kind, what happened; when written to a file (no SMTP, embedded database), its link. */
function mailLogMessage(line: { event: string; kind: string; link?: string; file?: string }) {
  if (line.event === "written") {
    return `mail ${line.kind} written to ${line.file} (no SMTP configured)${line.link ? `: ${line.link}` : ""}`;
  }
  return `mail ${line.kind}: ${line.event}`;
}

main().catch(exitWithStartupFailure);
