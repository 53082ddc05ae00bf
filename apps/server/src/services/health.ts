import type { Database } from "../db";

/** What /healthz and `system.health` report: the database mode and whether its schema is current. */
export async function checkHealth(db: Database) {
  const migrations = await db.migrationStatus();
  return {
    status: migrations.current ? ("ok" as const) : ("degraded" as const),
    database: { mode: db.mode, migrations },
  };
}
