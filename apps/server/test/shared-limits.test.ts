import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Database, openDatabase } from "../src/db";
import { isAppError } from "../src/errors";
import { createMemoryLimitStore, createPostgresLimitStore, type LimitStore } from "../src/limit-store";
import { createAccountLimits, DEFAULT_ACCOUNT_LIMITS } from "../src/limits";
import { createTestDatabaseSpace, isModeAvailable, type TestDatabaseSpace } from "./support/databases";
import { cookieOf, PASSWORD } from "./support/http";
import { genieEnv, type ServerProcess, startServer, stopProcess, waitForListening } from "./support/process";
import { waitFor } from "./support/receiver";

const noPostgres = !isModeAvailable("postgres");
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function postgresSpace(): Promise<TestDatabaseSpace> {
  const space = await createTestDatabaseSpace("postgres");
  cleanups.push(() => space.remove());
  return space;
}

/** Two stores as two API processes have them: each with its own pool on the one database. */
async function twoPostgresStores(space: TestDatabaseSpace, leaseMs?: number) {
  const dbs: Database[] = [];
  for (let i = 0; i < 2; i++) {
    const db = await openDatabase(space.config);
    // The crash test closes one itself.
    cleanups.push(() => db.close().catch(() => {}));
    dbs.push(db);
  }
  const [a, b] = dbs.map((db) => createPostgresLimitStore(db.sql, leaseMs ? { leaseMs } : {})) as [
    LimitStore,
    LimitStore,
  ];
  return { a, b, dbs };
}

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "allowed",
    (error: unknown) => (isAppError(error) ? error.reason : error),
  );

describe.skipIf(noPostgres)("limits counted in PostgreSQL", () => {
  let stores: Awaited<ReturnType<typeof twoPostgresStores>>;
  beforeAll(async () => {
    stores = await twoPostgresStores(await postgresSpace());
  });

  test("a per-minute window holds in total across two stores", async () => {
    const results: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const store = i % 2 === 0 ? stores.a : stores.b;
      results.push((await store.windows.consume("window-key", { window: 60, max: 6 })).allowed);
    }
    expect(results.filter(Boolean)).toHaveLength(6);
    expect(results.slice(6)).toEqual([false, false, false, false]);
    const refused = await stores.a.windows.consume("window-key", { window: 60, max: 6 });
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
    // A reset (a successful sign-in) clears the count for both.
    await stores.b.windows.reset("window-key");
    expect((await stores.a.windows.consume("window-key", { window: 60, max: 6 })).allowed).toBe(true);
  });

  test("racing for the last slots, exactly `max` of many concurrent starts win", async () => {
    const attempts = Array.from({ length: 24 }, (_, i) =>
      (i % 2 === 0 ? stores.a : stores.b).leases.acquire("race-key", 3),
    );
    const releases = (await Promise.all(attempts)).filter((release) => release !== null);
    expect(releases).toHaveLength(3);
    expect(await stores.a.leases.acquire("race-key", 3)).toBeNull();
    await releases[0]?.();
    const next = await stores.b.leases.acquire("race-key", 3);
    expect(next).not.toBeNull();
    for (const release of [...releases.slice(1), next]) await release?.();
  });

  test("the account limits hold in total for one account served by two stores", async () => {
    const limits = { sendTest: { perMinute: 4, concurrent: 2 } };
    const [one, two] = [createAccountLimits(limits, stores.a), createAccountLimits(limits, stores.b)];
    const first = await one.acquire("sendTest", "alice");
    const second = await two.acquire("sendTest", "alice");
    expect(await refusalOf(one.acquire("sendTest", "alice"))).toBe("rate_limited");
    // Another account is not held up by Alice's.
    await (await two.acquire("sendTest", "bob"))();
    await first();
    await second();
    await (await two.acquire("sendTest", "alice"))();
    await (await one.acquire("sendTest", "alice"))();
    // Four starts this minute, whichever process took them: a fifth is refused.
    await expect(two.acquire("sendTest", "alice")).rejects.toThrow(
      "Too many test sends for this account (at most 4 a minute)",
    );
  });
});

test.skipIf(noPostgres)(
  "a slot held by a process that died frees itself when its lease expires",
  async () => {
    const space = await postgresSpace();
    const { a, b, dbs } = await twoPostgresStores(space, 400);
    expect(await a.leases.acquire("crash-key", 1)).not.toBeNull();
    // The holder's database connections end without giving the slot back, as in a kill -9.
    await dbs[0]?.close();
    expect(await b.leases.acquire("crash-key", 1)).toBeNull();
    const release = await waitFor(async () => (await b.leases.acquire("crash-key", 1)) ?? undefined, 10_000);
    await release();
  },
);

test("the embedded database's store counts in memory, with the same rules", async () => {
  const store = createMemoryLimitStore();
  const release = await store.leases.acquire("key", 1);
  expect(await store.leases.acquire("key", 1)).toBeNull();
  await release?.();
  await release?.(); // giving back twice gives back once
  const again = await store.leases.acquire("key", 1);
  expect(again).not.toBeNull();
  expect(await store.leases.acquire("key", 1)).toBeNull();
});

// The promise itself: two API processes on one PostgreSQL, one account, the documented limits.
describe.skipIf(noPostgres)("two API processes on one PostgreSQL", () => {
  let urls: string[] = [];
  beforeAll(async () => {
    const space = await postgresSpace();
    const servers: ServerProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const server = startServer(genieEnv(space), ["--role", "api"]);
      cleanups.push(() => stopProcess(server));
      servers.push(server);
    }
    urls = await Promise.all(servers.map((server) => waitForListening(server)));
  }, 60_000);

  test("the statistics limit (60 a minute) holds in total, not once per process", async () => {
    const [first = "", second = ""] = urls;
    const signUp = await fetch(`${first}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: first },
      body: JSON.stringify({ name: "Owner", email: "shared@example.com", password: PASSWORD }),
    });
    expect(signUp.status).toBe(200);
    const cookie = cookieOf(signUp);
    const input = encodeURIComponent(
      JSON.stringify({ from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" }),
    );
    const perMinute = DEFAULT_ACCOUNT_LIMITS.stats.perMinute;
    const statuses: number[] = [];
    for (let i = 0; i < perMinute + 10; i++) {
      const url = i % 2 === 0 ? first : second;
      const response = await fetch(`${url}/trpc/stats.overview?input=${input}`, { headers: { cookie } });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(perMinute);
    expect(statuses.slice(perMinute)).toEqual(Array(10).fill(429));
  });

  test("the sign-in limits (10 per client a minute, 10 per account) hold in total, not once per process", async () => {
    const [first = "", second = ""] = urls;
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      const url = i % 2 === 0 ? first : second;
      const response = await fetch(`${url}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: url },
        body: JSON.stringify({ email: "nobody-here@example.com", password: "wrong password!" }),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
  });
});
