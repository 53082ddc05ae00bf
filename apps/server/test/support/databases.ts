import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { Config } from "../../src/config";
import { type Database, type DatabaseMode, openDatabase } from "../../src/db";

/**
 * Where PostgreSQL tests run: a server reachable at TEST_DATABASE_URL (CI sets it). Each test file
 * gets a database of its own there, created fresh and dropped at the end. Without it the PostgreSQL
 * half of the suite is reported as skipped, so `pnpm test` still runs on a machine with no server.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/**
 * The key that encrypts endpoint secrets in PostgreSQL test databases (GENIE_ENCRYPTION_KEY of spawned
 * servers too); the embedded database makes its own in the data folder.
 */
export const TEST_ENCRYPTION_KEY = "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU=";

/** The modes every database test runs in. */
export const DATABASE_MODES: DatabaseMode[] = ["pglite", "postgres"];

export function isModeAvailable(mode: DatabaseMode): boolean {
  return mode === "pglite" || !!TEST_DATABASE_URL;
}

/** A fresh, empty place for a database of the given mode; `remove()` deletes it. */
export type TestDatabaseSpace = { config: Config["database"]; remove(): Promise<void> };

export async function createTestDatabaseSpace(mode: DatabaseMode): Promise<TestDatabaseSpace> {
  if (mode === "pglite") {
    const dataDir = mkdtempSync(path.join(tmpdir(), "genie-test-"));
    return {
      config: { kind: "pglite", dataDir },
      remove: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `genie_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await runAdminStatement(TEST_DATABASE_URL, `CREATE DATABASE "${name}"`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    config: { kind: "postgres", url: url.toString(), encryption: { key: TEST_ENCRYPTION_KEY, oldKeys: [] } },
    remove: () => runAdminStatement(TEST_DATABASE_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** A migrated database in a fresh space; `close()` also removes the space. */
export async function openTestDatabase(mode: DatabaseMode): Promise<Database & { space: TestDatabaseSpace }> {
  const space = await createTestDatabaseSpace(mode);
  const db = await openDatabase(space.config);
  return {
    ...db,
    space,
    async close() {
      await db.close();
      await space.remove();
    },
  };
}

/** Runs one statement (CREATE / DROP DATABASE) on its own connection to the server at `serverUrl`. */
export async function runAdminStatement(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
