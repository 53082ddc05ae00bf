import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { type ApiCaller, createApiHarness, createOwner } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

const HOUR = 3_600_000;

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`endpoints.health on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let ownerId: string;
    let owner: ApiCaller;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
      ownerId = await createOwner(db.prisma, "Health");
      owner = harness.as(ownerId);
    });
    afterAll(async () => {
      await harness?.close();
      await db?.close();
    });

    /** One delivery of `endpointId` with an attempt logged per entry: success or not, how long ago. */
    async function attempts(endpointId: string, outcomes: { success: boolean; hoursAgo: number }[]) {
      const delivery = await db.prisma.webhookDelivery.create({
        data: {
          userId: ownerId,
          endpointId,
          eventId: `evt_${randomUUID()}`,
          eventType: "registration.submitted",
          body: "{}",
          status: "failed",
        },
      });
      for (const [index, outcome] of outcomes.entries()) {
        await db.prisma.webhookLog.create({
          data: {
            userId: ownerId,
            deliveryId: delivery.id,
            endpointId,
            eventType: "registration.submitted",
            payload: {},
            webhookUrl: "https://crm.example.com/hook",
            statusCode: outcome.success ? 200 : 503,
            success: outcome.success,
            attemptNumber: index + 1,
            createdAt: new Date(Date.now() - outcome.hoursAgo * HOUR),
          },
        });
      }
    }

    test("an endpoint without deliveries has no successes, no failures and no rate", async () => {
      const { endpoint } = await owner.endpoints.create({ url: "https://crm.example.com/quiet" });
      const health = (await owner.endpoints.health()).find((h) => h.endpointId === endpoint.id);
      expect(health).toEqual({
        endpointId: endpoint.id,
        lastSuccessAt: null,
        lastFailureAt: null,
        failuresInARow: 0,
        attempts24h: 0,
        successRate24h: null,
        lastError: null,
      });
    });

    test("counts failures since the last success and the 24 h success rate, test sends left out", async () => {
      const { endpoint } = await owner.endpoints.create({ url: "https://crm.example.com/busy" });
      // Older than a day: a failure, then a success; within the day: a success, then three failures.
      await attempts(endpoint.id, [
        { success: false, hoursAgo: 30 },
        { success: true, hoursAgo: 28 },
        { success: true, hoursAgo: 5 },
        { success: false, hoursAgo: 3 },
        { success: false, hoursAgo: 2 },
        { success: false, hoursAgo: 1 },
      ]);
      // A successful test send belongs to no delivery and must not reset the count.
      await db.prisma.webhookLog.create({
        data: {
          userId: ownerId,
          endpointId: endpoint.id,
          eventType: "webhook.test",
          payload: {},
          webhookUrl: "https://crm.example.com/busy",
          statusCode: 200,
          success: true,
          attemptNumber: 1,
        },
      });

      const health = (await owner.endpoints.health()).find((h) => h.endpointId === endpoint.id);
      expect(health?.failuresInARow).toBe(3);
      expect(health?.attempts24h).toBe(4);
      expect(health?.successRate24h).toBe(0.25);
      const ago = (iso: string | null | undefined) => (Date.now() - new Date(iso ?? 0).getTime()) / HOUR;
      expect(ago(health?.lastSuccessAt)).toBeCloseTo(5, 1);
      expect(ago(health?.lastFailureAt)).toBeCloseTo(1, 1);
    });

    test("shows only the signed-in account's endpoints", async () => {
      const other = harness.as(await createOwner(db.prisma, "Other"));
      await other.endpoints.create({ url: "https://crm.example.com/other" });
      const mine = await owner.endpoints.list();
      const health = await owner.endpoints.health();
      expect(health.map((h) => h.endpointId).sort()).toEqual(mine.map((e) => e.id).sort());
    });

    test("refuses anonymous callers", async () => {
      await expect(harness.as(null).endpoints.health()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    });
  });
}
