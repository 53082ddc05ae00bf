import type { Database } from "../db";

/** How long /healthz waits for the database before calling it unreachable. */
const PING_TIMEOUT_MS = 2000;

export type Health = {
  status: "ok" | "degraded";
  /** Why it is degraded, in words; never a host, a port or a driver's message. */
  reason?: string;
  database: { mode: Database["mode"]; migrations: Awaited<ReturnType<Database["migrationStatus"]>> };
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
  return { status: "ok", database };
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
