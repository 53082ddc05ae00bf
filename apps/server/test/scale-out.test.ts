import { afterEach, describe, expect, test } from "vitest";
import { type Database, openDatabase } from "../src/db";
import { createDeliveryWorker } from "../src/delivery";
import { type SessionHandlers, WORKER_LOCK_CLASS, workerSessions } from "../src/delivery/session";
import { TAKEOVER_MESSAGE } from "../src/delivery/store";
import { createTestDatabaseSpace, isModeAvailable, type TestDatabaseSpace } from "./support/databases";
import { registrationBody, type SeededAccount, seedAccount } from "./support/fixtures";
import { genieEnv, postRegistration, startServer, stopProcess, waitForListening } from "./support/process";
import { firstRequestPerWebhook, type Script, startReceiver, waitFor } from "./support/receiver";

/** Long enough that any delivery these tests see arrived through a wake-up or a takeover, not a poll. */
const POLL_MS = 60_000;
const noPostgres = !isModeAvailable("postgres");

describe("scale-out: wake-ups across processes and takeover of dead workers", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(mode: "postgres" | "pglite", script?: Script) {
    const space = await createTestDatabaseSpace(mode);
    cleanups.push(() => space.remove());
    const receiver = await startReceiver(script ? { "/crm": script } : {});
    cleanups.push(() => receiver.close());
    const db = await openDatabase(space.config);
    const account = await seedAccount(db.prisma, { endpointUrls: [receiver.url("/crm")] });
    if (mode === "pglite") await db.close();
    else cleanups.push(() => db.close());
    return { space, receiver, db, account };
  }

  function start(space: TestDatabaseSpace, role: "all" | "api" | "worker", env: Record<string, string> = {}) {
    const server = startServer(genieEnv(space, { GENIE_POLL_INTERVAL_MS: String(POLL_MS), ...env }), [
      "--role",
      role,
    ]);
    cleanups.push(() => stopProcess(server));
    return server;
  }

  /** Waits until `n` worker sessions hold their liveness locks (so they can be woken). */
  async function liveWorkers(db: Database, n: number) {
    await waitFor(
      async () => {
        const [row] = await db.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          [WORKER_LOCK_CLASS],
        );
        return row?.n === n ? true : undefined;
      },
      30_000,
      `${n} live worker sessions`,
    );
  }

  /** An API-only process and `count` worker processes, all ready (the workers' sessions open). */
  async function apiAndWorkers(
    space: TestDatabaseSpace,
    db: Database,
    count: number,
    env: Record<string, string> = {},
  ) {
    const api = start(space, "api", env);
    const workers = Array.from({ length: count }, () => start(space, "worker", env));
    const apiUrl = await waitForListening(api);
    for (const worker of workers) await waitForListening(worker);
    await liveWorkers(db, count);
    return { apiUrl, workers };
  }

  async function register(apiUrl: string, account: SeededAccount, count: number) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(await postRegistration(apiUrl, registrationBody(account, { email: `v${i}@example.com` })));
    }
    return ids;
  }

  test.skipIf(noPostgres)(
    "on postgres, an API-only process's registration wakes a worker process at once, long before its next poll",
    async () => {
      const { space, receiver, db, account } = await setUp("postgres");
      // The worker claims once when its session opens, after this moment; its next poll is POLL_MS later.
      const nextPoll = Date.now() + POLL_MS;
      const { apiUrl } = await apiAndWorkers(space, db, 1);

      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const sent = Date.now();
        await postRegistration(apiUrl, registrationBody(account, { email: `wake${i}@example.com` }));
        const arrived = await waitFor(
          async () => receiver.received[i]?.at,
          POLL_MS,
          `registration ${i} at the receiver`,
        );
        latencies.push(arrived - sent);
      }
      expect(receiver.received).toHaveLength(20);
      // Before the poll: each was woken, none waited for the poller.
      expect(receiver.received.filter((r) => r.at >= nextPoll)).toEqual([]);
      latencies.sort((a, b) => a - b);
      console.log(
        `API-only registration to receipt (ms): p50 ${latencies[9]}, max ${latencies[19]} (poll interval ${POLL_MS})`,
      );
    },
    120_000,
  );

  test.skipIf(noPostgres)(
    "on postgres, a SIGKILLed worker's deliveries are taken over by another worker at once, each logged as aborted, not when their leases expire",
    async () => {
      // Every webhook's first request hangs: the worker that sends it dies with it in flight.
      const hanging = firstRequestPerWebhook("hang");
      const { space, receiver, db, account } = await setUp("postgres", hanging.script);
      const env = { GENIE_DELIVERY_TIMEOUT_MS: "60000" };
      const {
        apiUrl,
        workers: [doomed],
      } = await apiAndWorkers(space, db, 1, env);
      if (!doomed) throw new Error("no worker");
      await register(apiUrl, account, 10);
      await waitFor(async () => (receiver.received.length === 10 ? true : undefined), 30_000, "10 attempts");

      const survivor = start(space, "worker", env);
      await waitForListening(survivor);
      await liveWorkers(db, 2);
      doomed.child.kill("SIGKILL");
      await doomed.exited;
      const killedAt = Date.now();

      // The leases run for the 60 s timeout + 5 s and the poll comes every 60 s: only a takeover of
      // the dead worker's deliveries delivers them within this bound.
      await waitFor(async () => (receiver.received.length === 20 ? true : undefined), 30_000, "10 retries");
      console.log(
        `takeover after SIGKILL: every delivery received again ${lastAt(receiver) - killedAt} ms later`,
      );
      await expectEachDeliveredAfterOneAbortedAttempt(db, TAKEOVER_MESSAGE);
      expect(receiver.peakInFlightPerWebhook()).toBe(1);
    },
    120_000,
  );

  test.skipIf(noPostgres)(
    "on postgres, a worker paused by SIGSTOP for 20 s keeps its deliveries: no other worker sends them meanwhile, none is ever in flight twice",
    async () => {
      const hanging = firstRequestPerWebhook("hang");
      const { space, receiver, db, account } = await setUp("postgres", hanging.script);
      // Leases (timeout + 5 s) that expire during the pause, and a fast poller: a takeover by lease
      // age would re-send the paused worker's deliveries while its own requests are still open.
      const env = { GENIE_DELIVERY_TIMEOUT_MS: "10000", GENIE_POLL_INTERVAL_MS: "200" };
      const { apiUrl, workers } = await apiAndWorkers(space, db, 2, env);
      await register(apiUrl, account, 10);
      await waitFor(async () => (receiver.received.length === 10 ? true : undefined), 30_000, "10 attempts");

      // Pause the worker holding the most deliveries, with their requests open at the receiver.
      const [holder] = [...(await leaseHolders(db))].sort((a, b) => b[1] - a[1])[0] ?? [];
      const paused = workers.find((w) => holder?.split(":")[1] === String(w.child.pid));
      if (!holder || !paused) throw new Error("no worker holds a lease");
      const its = await db.sql.query<{ event_id: string }>(
        "SELECT event_id FROM webhook_deliveries WHERE locked_by = $1",
        [holder],
      );
      const pausedIds = new Set(its.map((r) => r.event_id));
      paused.child.kill("SIGSTOP");
      cleanups.push(async () => paused.child.kill("SIGCONT"));
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      // Its leases expired long ago, yet no other worker sent one of its deliveries.
      expect([...hanging.again].filter((id) => pausedIds.has(id))).toEqual([]);
      expect((await leaseHolders(db)).get(holder)).toBe(pausedIds.size);
      paused.child.kill("SIGCONT");

      await waitFor(
        async () => (hanging.again.size === 10 ? true : undefined),
        30_000,
        "every webhook answered 200",
      );
      expect(receiver.peakInFlightPerWebhook()).toBe(1);
      for (const worker of workers) await stopProcess(worker);
      // Each attempt the receiver saw was logged once: the first cut short, the last a success.
      expect(await db.prisma.webhookLog.count()).toBe(receiver.received.length);
      const deliveries = await db.prisma.webhookDelivery.findMany();
      expect(deliveries.map((d) => d.status)).toEqual(Array(10).fill("succeeded"));
    },
    120_000,
  );

  test.skipIf(noPostgres)(
    "on postgres, three worker processes share an endpoint's concurrency of 2: never more than 2 in flight at the receiver, each webhook once",
    async () => {
      // Every answer takes 150 ms, so that the workers' attempts overlap whenever the limit lets them.
      const slow: Script = (_n, response) => {
        setTimeout(() => response.writeHead(200).end("ok"), 150);
        return "hang";
      };
      const { space, receiver, db, account } = await setUp("postgres", slow);
      await db.prisma.webhookEndpoint.update({
        where: { id: account.endpointIds[0] },
        data: { maxConcurrency: 2 },
      });
      const env = { GENIE_TAKEOVER_INTERVAL_MS: "200" };
      const { apiUrl } = await apiAndWorkers(space, db, 3, env);
      // Each worker counts the live workers at its takeover interval: let all three have counted.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const count = 30;
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          postRegistration(apiUrl, registrationBody(account, { email: `shared${i}@example.com` })),
        ),
      );
      await waitFor(
        async () => (receiver.received.length >= count ? true : undefined),
        60_000,
        "every webhook",
      );
      expect(new Set(receiver.received.map((r) => r.headers["webhook-id"])).size).toBe(count);
      expect(receiver.received).toHaveLength(count);
      // A share of floor(2 / 3) rounded up to 1 each (as before) would have let 3 in at once.
      expect(receiver.peakInFlight("/crm")).toBeLessThanOrEqual(2);
      // What the worker whose share is none was handed, it gave back, and another sent: all recorded.
      await waitFor(
        async () =>
          (await db.prisma.webhookDelivery.count({ where: { status: "succeeded" } })) === count
            ? true
            : undefined,
        30_000,
        "every delivery recorded as succeeded",
      );
    },
    120_000,
  );

  test("on pglite, a restart after SIGKILL takes over every stale lease at start and delivers before its first poll", async () => {
    const hanging = firstRequestPerWebhook("hang");
    const { space, receiver, account } = await setUp("pglite", hanging.script);
    const env = { GENIE_DELIVERY_TIMEOUT_MS: "30000" };
    const first = start(space, "all", env);
    const apiUrl = await waitForListening(first);
    await register(apiUrl, account, 10);
    await waitFor(async () => (receiver.received.length === 10 ? true : undefined), 30_000, "10 attempts");
    first.child.kill("SIGKILL");
    await first.exited;

    // Its leases run for 35 s (the 30 s timeout + 5 s); its first poll after the start is 60 s on.
    const startedAt = Date.now();
    const second = start(space, "all", env);
    await waitForListening(second);
    await waitFor(async () => (receiver.received.length === 20 ? true : undefined), 50_000, "10 retries");
    console.log(
      `embedded restart after SIGKILL: everything delivered ${lastAt(receiver) - startedAt} ms after the start`,
    );
    expect(lastAt(receiver)).toBeLessThan(startedAt + POLL_MS);
    await stopProcess(second);
    const reopened = await openDatabase(space.config);
    try {
      await expectEachDeliveredAfterOneAbortedAttempt(reopened, TAKEOVER_MESSAGE);
    } finally {
      await reopened.close();
    }
  }, 120_000);

  test.skipIf(noPostgres)(
    "on postgres, a worker whose session is killed cuts its attempt at once and resumes under a new session: one attempt in flight, each logged once",
    async () => {
      const hanging = firstRequestPerWebhook("hang");
      const { receiver, db, account } = await setUp("postgres", hanging.script);
      const errors: string[] = [];
      const worker = createDeliveryWorker(
        db.workerSql,
        {
          ssrfAllow: ["127.0.0.1"],
          timeoutMs: 30_000,
          maxInFlight: 8,
          maxInFlightPerEndpoint: 8,
          pollIntervalMs: POLL_MS,
        },
        { database: db, onError: (_error, what) => errors.push(what) },
      );
      worker.start();
      cleanups.push(() => worker.stop(1000));
      await liveWorkers(db, 1);
      const firstId = worker.workerId;
      // Written unleased: the trigger's wake-up brings it to the worker.
      await db.sql.exec(insertSql(account, "evt_session_lost"));
      await waitFor(async () => (hanging.seen.size === 1 ? true : undefined), 10_000, "the first attempt");

      await db.sql.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [WORKER_LOCK_CLASS],
      );
      await waitFor(
        async () => (hanging.again.size === 1 ? true : undefined),
        20_000,
        "the delivery sent again",
      );
      expect(worker.workerId).not.toBe(firstId);
      expect(errors).toContain("the worker's database session was lost; attempts in flight are cut");
      expect(receiver.peakInFlightPerWebhook()).toBe(1);
      await waitFor(
        async () =>
          (await db.prisma.webhookDelivery.findFirst())?.status === "succeeded" ? true : undefined,
        10_000,
        "the success recorded",
      );
      const logs = await db.prisma.webhookLog.findMany({ orderBy: { attemptNumber: "asc" } });
      expect(logs.map((l) => [l.attemptNumber, l.errorKind])).toEqual([
        [1, "aborted"],
        [2, null],
      ]);
    },
    60_000,
  );

  test.skipIf(noPostgres)(
    "on postgres, each transaction writing due deliveries wakes exactly one live worker, round robin; a rolled-back one wakes none",
    async () => {
      const { db, account } = await setUp("postgres");
      const connect = db.connect;
      if (!connect) throw new Error("a PostgreSQL database offers dedicated connections");
      const open = workerSessions(connect);
      const wakes = new Map<string, number>();
      const lost: Error[] = [];
      const sessions = await Promise.all(
        ["test-worker-0", "test-worker-1"].map((id) => {
          wakes.set(id, 0);
          const handlers: SessionHandlers = {
            onWake: () => wakes.set(id, (wakes.get(id) ?? 0) + 1),
            onLost: (e) => lost.push(e),
          };
          return open(id, handlers);
        }),
      );
      cleanups.push(() => Promise.all(sessions.map((s) => s?.close())));
      // Another session cannot take a live worker's lock: its id is taken.
      expect(await open("test-worker-0", { onWake: () => {}, onLost: () => {} })).toBeNull();

      for (let i = 0; i < 10; i++) {
        // Several rows in one transaction still wake one worker once.
        await db.sql.exec(
          `BEGIN; ${[0, 1, 2].map((j) => insertSql(account, `evt_${i}_${j}`)).join(";")}; COMMIT`,
        );
      }
      // Leased rows are the in-process hand-off: nobody else is woken.
      await db.sql.exec(insertSql(account, "evt_leased", "test-worker-0"));
      await db.sql.exec(`BEGIN; ${insertSql(account, "evt_rolled_back")}; ROLLBACK`);
      const total = () => [...wakes.values()].reduce((a, b) => a + b, 0);
      await waitFor(async () => (total() >= 10 ? true : undefined), 10_000, "10 wake-ups");
      // A moment for any wake-up that should not come.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([...wakes.values()]).toEqual([5, 5]);
      expect(lost).toEqual([]);
    },
    60_000,
  );
});

function lastAt(receiver: Awaited<ReturnType<typeof startReceiver>>): number {
  return Math.max(...receiver.received.map((r) => r.at));
}

async function leaseHolders(db: Database): Promise<Map<string, number>> {
  const rows = await db.sql.query<{ locked_by: string; n: number }>(
    "SELECT locked_by, count(*)::int AS n FROM webhook_deliveries WHERE locked_by IS NOT NULL GROUP BY 1",
  );
  return new Map(rows.map((r) => [r.locked_by, r.n]));
}

/** Every delivery succeeded on its second attempt; its first is logged as aborted with `message`. */
async function expectEachDeliveredAfterOneAbortedAttempt(db: Database, message: string) {
  await waitFor(
    async () =>
      (await db.prisma.webhookDelivery.count({ where: { status: { not: "succeeded" } } })) === 0
        ? true
        : undefined,
    30_000,
    "every delivery recorded as succeeded",
  );
  const deliveries = await db.prisma.webhookDelivery.findMany({
    include: { logs: { orderBy: { attemptNumber: "asc" } } },
  });
  expect(deliveries).toHaveLength(10);
  for (const delivery of deliveries) {
    expect(delivery.logs.map((l) => [l.attemptNumber, l.errorKind, l.success])).toEqual([
      [1, "aborted", false],
      [2, null, true],
    ]);
    expect(delivery.logs[0]?.errorMessage).toBe(message);
  }
}

/** An INSERT of one delivery (unleased, or leased to `lockedBy` for a minute), as SQL text. */
function insertSql(account: SeededAccount, eventId: string, lockedBy?: string): string {
  const lease = lockedBy ? `'${lockedBy}', now() + interval '1 minute'` : "NULL, NULL";
  return `INSERT INTO webhook_deliveries (user_id, endpoint_id, event_id, event_type, body, locked_by, locked_until)
    VALUES ('${account.userId}', '${account.endpointIds[0]}', '${eventId}', 'registration.submitted', '{}', ${lease})`;
}
