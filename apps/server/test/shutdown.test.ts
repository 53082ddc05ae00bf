import { afterEach, describe, expect, test } from "vitest";
import { openDatabase } from "../src/db";
import { createTestDatabaseSpace, DATABASE_MODES, isModeAvailable } from "./support/databases";
import { registrationBody, seedAccount } from "./support/fixtures";
import { genieEnv, postRegistration, startServer, waitForListening } from "./support/process";
import { startReceiver, waitFor } from "./support/receiver";

describe("graceful shutdown", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  for (const mode of DATABASE_MODES) {
    test.skipIf(!isModeAvailable(mode))(
      `on ${mode}, SIGTERM with a receiver that never answers exits 0 after the grace period, and the attempt is retried after restart`,
      async () => {
        const space = await createTestDatabaseSpace(mode);
        cleanups.push(() => space.remove());
        // The first attempt hangs for good; later ones get 200.
        const receiver = await startReceiver({ "/crm": (n) => (n === 1 ? "hang" : undefined) });
        cleanups.push(() => receiver.close());
        const seedDb = await openDatabase(space.config);
        const account = await seedAccount(seedDb.prisma, { endpointUrls: [receiver.url("/crm")] });
        await seedDb.close();

        // The request timeout is far longer than the test: only the shutdown can end the first attempt.
        const env = genieEnv(space, { GENIE_DELIVERY_TIMEOUT_MS: "120000", GENIE_SHUTDOWN_GRACE_MS: "300" });
        const first = startServer(env);
        cleanups.push(async () => first.child.kill("SIGKILL"));
        const url = await waitForListening(first);
        await postRegistration(url, registrationBody(account));
        const hung = await waitFor(async () => receiver.received[0], 20_000, "the first attempt");

        first.child.kill("SIGTERM");
        // Exit 0 means it finished before its hard limit (grace + 5 s), which exits 1.
        expect(await first.exited).toBe(0);
        expect(first.output()).not.toContain("shutdown took longer");

        const db = await openDatabase(space.config);
        const logs = await db.prisma.webhookLog.findMany({
          select: { errorKind: true, attemptNumber: true },
        });
        expect(logs).toEqual([{ errorKind: "aborted", attemptNumber: 1 }]);
        const [delivery] = await db.prisma.webhookDelivery.findMany({
          select: { status: true, lockedBy: true, attemptCount: true },
        });
        expect(delivery).toEqual({ status: "pending", lockedBy: null, attemptCount: 1 });
        await db.close();

        const second = startServer(env);
        cleanups.push(async () => second.child.kill("SIGKILL"));
        await waitForListening(second);
        const retried = await waitFor(async () => receiver.received[1], 20_000, "the retry");
        expect(retried.headers["webhook-id"]).toBe(hung.headers["webhook-id"]);
        expect(retried.body).toBe(hung.body);
        second.child.kill("SIGTERM");
        expect(await second.exited).toBe(0);

        const after = await openDatabase(space.config);
        expect(await after.prisma.webhookDelivery.findMany({ select: { status: true } })).toEqual([
          { status: "succeeded" },
        ]);
        await after.close();
      },
      120_000,
    );
  }
});
