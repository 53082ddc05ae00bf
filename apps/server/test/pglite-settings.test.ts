import { afterAll, beforeAll, expect, test } from "vitest";
import { type Database, PGLITE_SHARED_BUFFERS_MB } from "../src/db";
import { openTestDatabase } from "./support/databases";

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase("pglite");
});
afterAll(async () => {
  await db?.close();
});

// PGlite's built-in 128 MB would be resident from the start (its shared memory is zeroed at once):
// if a PGlite upgrade moves the setting, the embedded database silently grows by ~100 MiB.
test("the embedded database runs with Genie's shared_buffers, not PGlite's built-in 128 MB", async () => {
  const [row] = await db.sql.query<{ shared_buffers: string }>("SHOW shared_buffers");
  expect(row?.shared_buffers).toBe(`${PGLITE_SHARED_BUFFERS_MB}MB`);
  const [count] = await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_endpoints");
  expect(count?.n).toBe(0);
});
