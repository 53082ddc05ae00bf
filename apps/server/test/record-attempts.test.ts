import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import type { AttemptRecord } from "../src/delivery/contract";
import { recordAttempts } from "../src/delivery/store";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { seedAccount } from "./support/fixtures";

const WORKER = "record-test-worker";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`recording attempts on ${mode}`, () => {
    let db: Database;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
    });
    afterAll(async () => {
      await db?.close();
    });

    /** A delivery leased to WORKER, and the record of a successful first attempt of it. */
    async function leasedDelivery(url: string) {
      const account = await seedAccount(db.prisma, { endpointUrls: [url] });
      const endpointId = account.endpointIds[0] ?? "";
      const body = JSON.stringify({ event: "registration.submitted", data: { url } });
      const delivery = await db.prisma.webhookDelivery.create({
        data: {
          userId: account.userId,
          endpointId,
          eventId: `evt_${url}`,
          eventType: "registration.submitted",
          body,
          lockedBy: WORKER,
          lockedUntil: new Date(Date.now() + 60_000),
        },
      });
      const record: AttemptRecord = {
        deliveryId: delivery.id,
        userId: account.userId,
        endpointId,
        eventType: "registration.submitted",
        url,
        attemptNumber: 1,
        success: true,
        statusCode: 200,
        errorKind: null,
        errorMessage: null,
        durationMs: 12,
        requestHeaders: { "webhook-id": `evt_${url}` },
        responseExcerpt: "ok",
        nextStatus: "succeeded",
        retryDelayMs: null,
        retryAfterMs: null,
        disableEndpointReason: null,
      };
      return { delivery, record, endpointId };
    }

    test("an endpoint deleted while its attempt was in flight does not lose the rest of the batch", async () => {
      const kept = await leasedDelivery("https://kept.example.com/hook");
      const deleted = await leasedDelivery("https://deleted.example.com/hook");
      // The owner deletes the endpoint mid-attempt: its deliveries go with it (cascade).
      await db.prisma.webhookEndpoint.delete({ where: { id: deleted.endpointId } });

      await recordAttempts(db.sql, WORKER, [deleted.record, kept.record]);

      const after = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: kept.delivery.id } });
      expect(after).toMatchObject({ status: "succeeded", attemptCount: 1, lockedBy: null });
      const logs = await db.prisma.webhookLog.findMany({
        where: { deliveryId: { in: [kept.delivery.id, deleted.delivery.id] } },
      });
      expect(logs).toHaveLength(1);
      // The body is not copied: the log refers to its delivery, which holds it once.
      expect(logs[0]).toMatchObject({ success: true, statusCode: 200, payload: null });
      expect(
        await db.prisma.webhookLog.count({ where: { webhookUrl: "https://deleted.example.com/hook" } }),
      ).toBe(0);
    });
  });
}
