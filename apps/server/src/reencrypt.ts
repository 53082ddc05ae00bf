import { loadConfig } from "./config";
import { openDatabase } from "./db";
import { resealEndpoints, resealOutbox } from "./db/reseal";
import { exitWithStartupFailure } from "./startup-failure";

/**
 * `pnpm reencrypt`: seals every endpoint secret and custom header value, and every mail waiting in
 * the outbox with a token, with GENIE_ENCRYPTION_KEY, opening them with it or a key of
 * GENIE_ENCRYPTION_KEYS_OLD. Run it after changing the key; once it has run, the old keys can be
 * dropped. Safe beside running PostgreSQL servers (each row is rewritten only if unchanged since it
 * was read); the embedded database must be stopped first (one process).
 */
async function reencrypt() {
  process.umask(0o077);
  // Configured like a worker: it signs no sessions, so BETTER_AUTH_SECRET is not needed.
  const config = loadConfig(process.env, ["--role", "worker"]);
  const db = await openDatabase(config.database);
  try {
    const endpoints = await resealEndpoints(db.sql, db.keys, { everything: true });
    const mails = await resealOutbox(db.sql, db.keys);
    console.log(
      `genie: ${endpoints.resealed} of ${endpoints.checked} endpoints and ${mails.resealed} of ` +
        `${mails.checked} mails waiting to be sent re-encrypted with key ${db.keys.currentKeyId}; ` +
        "every value now opens with GENIE_ENCRYPTION_KEY alone",
    );
  } finally {
    await db.close();
  }
}

reencrypt().catch(exitWithStartupFailure);
