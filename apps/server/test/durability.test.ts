import { afterEach, describe, expect, test } from "vitest";
import { openDatabase } from "../src/db";
import { createTestDatabaseSpace, DATABASE_MODES, isModeAvailable } from "./support/databases";
import { registrationBody, seedAccount } from "./support/fixtures";
import { genieEnv, postRegistration, startServer, stopProcess, waitForListening } from "./support/process";
import { startReceiver, waitFor } from "./support/receiver";

describe("durable delivery", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  for (const mode of DATABASE_MODES) {
    test.skipIf(!isModeAvailable(mode))(
      `on ${mode}, a worker killed with SIGKILL mid-delivery loses nothing: its successor delivers every webhook`,
      async () => {
        const space = await createTestDatabaseSpace(mode);
        cleanups.push(() => space.remove());
        // The receiver holds every request until the first worker is dead, then answers 200.
        let crashed = false;
        const receiver = await startReceiver({ "/crm": () => (crashed ? undefined : "hang") });
        cleanups.push(() => receiver.close());

        const seedDb = await openDatabase(space.config);
        const account = await seedAccount(seedDb.prisma, { endpointUrls: [receiver.url("/crm")] });
        await seedDb.close();

        // Attempts after the crash get 5 s: on 2 busy cores a restarting process can miss 1 s.
        const env = genieEnv(space, { GENIE_DELIVERY_TIMEOUT_MS: "5000" });
        const first = startServer(env);
        cleanups.push(async () => first.child.kill("SIGKILL"));
        const apiUrl = await waitForListening(first);
        const contactIds: string[] = [];
        for (let i = 0; i < 30; i++) {
          contactIds.push(
            await postRegistration(apiUrl, registrationBody(account, { email: `crash${i}@example.com` })),
          );
        }
        await waitFor(
          async () => (receiver.received.length > 0 ? true : undefined),
          10_000,
          "a delivery in flight",
        );
        first.child.kill("SIGKILL");
        await first.exited;
        crashed = true;
        const crashedAt = Date.now();

        const second = startServer(env, ["--role", "worker"]);
        cleanups.push(() => stopProcess(second));
        await waitForListening(second);

        const delivered = await waitFor(
          async () => {
            const ok = new Set(
              receiver.received.filter((r) => r.at >= crashedAt).map((r) => r.headers["webhook-id"]),
            );
            return ok.size >= 30 ? ok : undefined;
          },
          // A bound against hanging, not a speed goal: the successor waits out the dead leases
          // (timeout + 5 s) and, on a busy CI host, PGlite's start alone can take tens of seconds.
          120_000,
          "all 30 webhooks after the crash",
        );
        await stopProcess(second);

        const db = await openDatabase(space.config);
        cleanups.push(() => db.close());
        const deliveries = await db.prisma.webhookDelivery.findMany({
          where: { contactId: { in: contactIds } },
        });
        expect(deliveries).toHaveLength(30);
        expect(deliveries.filter((d) => d.status !== "succeeded")).toEqual([]);
        expect(new Set(deliveries.map((d) => d.eventId))).toEqual(delivered);
      },
      180_000,
    );
  }

  test.skipIf(!isModeAvailable("postgres"))(
    "on postgres, two worker processes share 500 deliveries and send each exactly once",
    async () => {
      const space = await createTestDatabaseSpace("postgres");
      cleanups.push(() => space.remove());
      const receiver = await startReceiver();
      cleanups.push(() => receiver.close());
      const seedDb = await openDatabase(space.config);
      cleanups.push(() => seedDb.close());
      const account = await seedAccount(seedDb.prisma, { endpointUrls: [receiver.url("/crm")] });

      const api = startServer(genieEnv(space), ["--role", "api"]);
      cleanups.push(() => stopProcess(api));
      const workers = [0, 1].map(() => startServer(genieEnv(space), ["--role", "worker"]));
      for (const worker of workers) cleanups.push(() => stopProcess(worker));
      const apiUrl = await waitForListening(api);
      await Promise.all(workers.map((w) => waitForListening(w)));

      const total = 500;
      for (let batch = 0; batch < total / 25; batch++) {
        await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            postRegistration(
              apiUrl,
              registrationBody(account, { email: `load${batch * 25 + i}@example.com` }),
            ),
          ),
        );
      }
      await waitFor(
        async () =>
          (await seedDb.prisma.webhookDelivery.count({ where: { status: "succeeded" } })) === total
            ? true
            : undefined,
        60_000,
        "500 deliveries to succeed",
      );
      const perEvent = new Map<string, number>();
      for (const request of receiver.received) {
        const id = String(request.headers["webhook-id"]);
        perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
      }
      expect(perEvent.size).toBe(total);
      expect([...perEvent.values()].filter((n) => n !== 1)).toEqual([]);
      // One attempt, so one log row, per delivery.
      expect(await seedDb.prisma.webhookLog.count()).toBe(total);
    },
    120_000,
  );
});
