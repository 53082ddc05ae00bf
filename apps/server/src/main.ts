import { ConfigError, loadConfig } from "./config";
import { DatabaseUnavailableError, openDatabase } from "./db";
import { buildServer } from "./server";

/** How long shutdown may take before the process gives up and exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config.database);
  const app = await buildServer({ db, logger: { level: config.logLevel } });
  const address = await app.listen({ port: config.port, host: config.host });
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
    await app.close();
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
