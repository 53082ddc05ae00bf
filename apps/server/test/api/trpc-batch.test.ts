import { afterAll, beforeAll, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { buildServer } from "../../src/server";
import { openTestDatabase } from "../support/databases";

let db: Database;
let app: Awaited<ReturnType<typeof buildServer>>;

beforeAll(async () => {
  db = await openTestDatabase("pglite");
  app = await buildServer({ db, api: { auth: { secret: "test-secret-test-secret-test-secret!" } } });
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

test("a batch whose joined procedure names pass 100 characters is answered, not a 404", async () => {
  // The dashboard's batch link puts every query of a page into one path: "a,b,c…".
  const names = Array.from({ length: 12 }, () => "system.health").join(",");
  expect(names.length).toBeGreaterThan(100);
  const input = encodeURIComponent(JSON.stringify({}));
  const response = await app.inject({ url: `/trpc/${names}?batch=1&input=${input}` });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toHaveLength(12);
});
