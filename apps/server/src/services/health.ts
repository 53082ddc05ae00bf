import type { Database } from "../db";

/** How long /healthz waits for the database before calling it unreachable. */
const PING_TIMEOUT_MS = 2000;

export type Health = {
  status: "ok" | "degraded";
  /** Why it is degraded, in words; never a host, a port or a driver's message. */
  reason?: string;
  database: { mode: Database["mode"]; migrations: Awaited<ReturnType<Database["migrationStatus"]>> };
  /**
   * Ids of the keys that sealed stored values this process cannot open (another process was given a
   * new GENIE_ENCRYPTION_KEY and this one was not): never the keys themselves. Present only then.
   */
  unreadableKeyIds?: string[];
};

/**
 * What /healthz and `system.health` report: `ok` when the database answers now and its schema had
 * every migration this build knows (checked once, when the database opened); else `degraded` with
 * the reason.
 */
export async function checkHealth(db: Database): Promise<Health> {
  const migrations = await db.migrationStatus();
  const database = { mode: db.mode, migrations };
  if (!(await answers(db))) {
    return { status: "degraded", reason: "the database is unreachable", database };
  }
  if (!migrations.current) {
    return {
      status: "degraded",
      reason: `migrations are pending: ${migrations.pending.join(", ")}`,
      database,
    };
  }
  const unreadableKeyIds = await unreadableKeys(db);
  if (unreadableKeyIds.length > 0) {
    return {
      status: "degraded",
      reason:
        `values are encrypted with key ${unreadableKeyIds.join(", ")}, which this process does not have: ` +
        "give every process the same GENIE_ENCRYPTION_KEY (the previous one in GENIE_ENCRYPTION_KEYS_OLD)",
      database,
      unreadableKeyIds,
    };
  }
  return { status: "ok", database };
}

/**
 * The key ids of sealed endpoint values (secrets, previous secrets, custom header values) that none
 * of this process's keys opens. At start a process refuses such a database; this finds the values
 * another process sealed since, with a key rotated into it alone, before claims of those endpoints
 * fail one by one. One scan of the endpoints table, which holds a few rows per account.
 */
async function unreadableKeys(db: Database): Promise<string[]> {
  const rows = await db.sql.query<{ key_id: string }>(
    `SELECT DISTINCT split_part(value, ':', 3) AS key_id FROM (
       SELECT secret AS value FROM webhook_endpoints
       UNION ALL SELECT previous_secret FROM webhook_endpoints WHERE previous_secret IS NOT NULL
       UNION ALL SELECT header.value FROM webhook_endpoints, jsonb_each_text(
         CASE WHEN jsonb_typeof(custom_headers) = 'object' THEN custom_headers ELSE '{}'::jsonb END
       ) AS header
     ) AS sealed
     WHERE value LIKE 'enc:v1:%' AND NOT (split_part(value, ':', 3) = ANY($1::text[]))
     ORDER BY 1 LIMIT 10`,
    [db.keys.keyIds],
  );
  return rows.map((row) => row.key_id);
}

async function answers(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([db.ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
