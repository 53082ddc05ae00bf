import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { disableFailingEndpoints } from "../../src/jobs/auto-disable";
import { createApiHarness, createOwner } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

const HOUR = 3_600_000;
const SPAN = 72 * HOUR;

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`auto-disable on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let userId: string;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
      userId = await createOwner(db.prisma, "Owner");
    });
    afterAll(async () => {
      await harness?.close();
      await db?.close();
    });

    /** An endpoint created 10 days ago with attempts `hoursAgo` (success when the number is negative). */
    async function endpointWith(attempts: number[], options: { test?: boolean } = {}) {
      const created = new Date(Date.now() - 240 * HOUR);
      const endpoint = await db.prisma.webhookEndpoint.create({
        data: { userId, url: "https://crm.example.com/", secret: "whsec_x", createdAt: created },
      });
      await db.sql.query("UPDATE webhook_endpoints SET updated_at = $2::timestamptz WHERE id = $1::uuid", [
        endpoint.id,
        created,
      ]);
      const delivery = await db.prisma.webhookDelivery.create({
        data: { userId, endpointId: endpoint.id, eventId: `evt_${randomUUID()}`, eventType: "x", body: "{}" },
      });
      for (const hoursAgo of attempts) {
        await db.prisma.webhookLog.create({
          data: {
            userId,
            endpointId: endpoint.id,
            deliveryId: options.test ? null : delivery.id,
            eventType: "registration.submitted",
            payload: {},
            webhookUrl: "https://crm.example.com/",
            success: hoursAgo < 0,
            attemptNumber: 1,
            createdAt: new Date(Date.now() - Math.abs(hoursAgo) * HOUR),
          },
        });
      }
      return endpoint.id;
    }

    test("disables only an endpoint whose every delivery failed for the whole span, with a reason", async () => {
      const failing = await endpointWith([100, 50, 1]);
      const recovered = await endpointWith([100, 50, -2, 1]);
      const young = await endpointWith([24, 1]);
      const idle = await endpointWith([100]);
      const onlyTests = await endpointWith([100, 1], { test: true });

      expect(await disableFailingEndpoints(db.sql, SPAN)).toEqual([failing]);
      const rows = await db.prisma.webhookEndpoint.findMany({
        where: { id: { in: [failing, recovered, young, idle, onlyTests] } },
      });
      const byId = new Map(rows.map((row) => [row.id, row]));
      expect(byId.get(failing)).toMatchObject({ enabled: false });
      expect(byId.get(failing)?.disabledReason).toMatch(/^Every delivery failed for 72 hours/);
      for (const id of [recovered, young, idle, onlyTests]) expect(byId.get(id)?.enabled).toBe(true);
    });

    test("re-enabling shows the reason is gone, counts what failed, and gives the endpoint a fresh span", async () => {
      const failing = await endpointWith([100, 1]);
      await db.prisma.webhookDelivery.updateMany({
        where: { endpointId: failing },
        data: { status: "failed" },
      });
      expect(await disableFailingEndpoints(db.sql, SPAN)).toContain(failing);
      const owner = harness.as(userId);
      expect((await owner.endpoints.byId({ id: failing })).disabledReason).toMatch(/Every delivery failed/);

      const updated = await owner.endpoints.update({ id: failing, enabled: true });
      expect(updated.endpoint).toMatchObject({ enabled: true, disabledReason: null });
      expect(updated.failedWhileDisabled?.count).toBe(1);
      expect(await disableFailingEndpoints(db.sql, SPAN)).not.toContain(failing);
    });
  });
}
