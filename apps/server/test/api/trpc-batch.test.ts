import { afterAll, beforeAll, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { buildServer } from "../../src/server";
import { MAX_BATCH_SIZE } from "../../src/settings/trpc";
import { openTestDatabase } from "../support/databases";
import { PASSWORD } from "../support/http";

let db: Database;
let app: Awaited<ReturnType<typeof buildServer>>;
const STATS_PER_MINUTE = 5;

beforeAll(async () => {
  db = await openTestDatabase("pglite");
  app = await buildServer({
    db,
    api: {
      auth: { secret: "test-secret-test-secret-test-secret!" },
      limits: { stats: { perMinute: STATS_PER_MINUTE, concurrent: 100 } },
    },
  });
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

const batchUrl = (procedure: string, count: number, input: unknown = {}) => {
  const names = Array.from({ length: count }, () => procedure).join(",");
  const inputs = Object.fromEntries(Array.from({ length: count }, (_, i) => [i, input]));
  return `/trpc/${names}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`;
};

test("a batch whose joined procedure names pass 100 characters is answered, not a 404", async () => {
  // The dashboard's batch link puts every query of a page into one path: "a,b,c…".
  const response = await app.inject({ url: batchUrl("system.health", 12) });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toHaveLength(12);
});

test("a batch of the most calls allowed is answered call by call", async () => {
  const response = await app.inject({ url: batchUrl("system.health", MAX_BATCH_SIZE) });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toHaveLength(MAX_BATCH_SIZE);
});

test("a batch above the limit is refused whole with a 400 that says so", async () => {
  const response = await app.inject({ url: batchUrl("system.health", 250) });
  expect(response.statusCode).toBe(400);
  const text = response.body;
  expect(text).toContain(`at most ${MAX_BATCH_SIZE} procedure calls`);
  expect(text).toContain('"reason":"batch_too_large"');
});

test("a batch counts against the account's limits as the calls it holds", async () => {
  const signUp = await app.inject({
    method: "POST",
    url: "/api/auth/sign-up/email",
    headers: { origin: "http://localhost:80", "content-type": "application/json" },
    payload: { name: "Owner", email: "batch@example.com", password: PASSWORD },
  });
  expect(signUp.statusCode).toBe(200);
  const setCookie = signUp.headers["set-cookie"];
  const session = (Array.isArray(setCookie) ? setCookie : [setCookie ?? ""])
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
  const input = { from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" };
  const response = await app.inject({
    url: batchUrl("stats.overview", 12, input),
    headers: { cookie: session },
  });
  const answers = response.json() as { result?: unknown; error?: { data: { reason: string } } }[];
  expect(answers).toHaveLength(12);
  expect(answers.filter((answer) => answer.result)).toHaveLength(STATS_PER_MINUTE);
  expect(answers.filter((answer) => answer.error?.data.reason === "rate_limited")).toHaveLength(
    12 - STATS_PER_MINUTE,
  );
});
