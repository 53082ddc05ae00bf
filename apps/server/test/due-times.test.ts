import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { WORKER_LOCK_CLASS } from "../src/delivery/session";
import { redeliver } from "../src/services/deliveries";
import { isModeAvailable, openTestDatabase } from "./support/databases";
import { seedAccount } from "./support/fixtures";
import { waitFor } from "./support/receiver";

// A row written as due now must be due now: to the claim its wake-up starts, and to the trigger that
// sends the wake-up. Stored to the millisecond and rounded, half of them were up to 0.5 ms late.
describe.skipIf(!isModeAvailable("postgres"))("due times on postgres", () => {
  test("a delivery queued again wakes a live worker every time", async () => {
    const db = await openTestDatabase("postgres");
    const listener = db.connect?.();
    if (!listener) throw new Error("postgres has dedicated connections");
    try {
      const account = await seedAccount(db.prisma, { endpointUrls: ["http://127.0.0.1:9/crm"] });
      const delivery = await db.prisma.webhookDelivery.create({
        data: {
          userId: account.userId,
          endpointId: account.endpointIds[0] ?? "",
          eventId: `evt_${randomUUID()}`,
          eventType: "registration.submitted",
          body: "{}",
          status: "failed",
        },
      });
      // A worker as the wake-up function sees one: its session lock held, listening on its channel.
      const key = 4242;
      await listener.connect();
      await listener.query("SELECT pg_advisory_lock($1::int, $2::int)", [WORKER_LOCK_CLASS, key]);
      let wakeUps = 0;
      listener.on("notification", (message) => {
        if (message.channel === `genie_wake_${key}`) wakeUps += 1;
      });
      await listener.query(`LISTEN genie_wake_${key}`);

      const times = 50;
      for (let i = 0; i < times; i++) {
        await redeliver(db, account.userId, { id: delivery.id });
        await db.sql.query("UPDATE webhook_deliveries SET status = 'failed' WHERE id = $1::uuid", [
          delivery.id,
        ]);
      }
      await waitFor(async () => (wakeUps >= times ? true : undefined), 5_000, `${times} wake-ups`);
      expect(wakeUps).toBe(times);
    } finally {
      await listener.end();
      await db.close();
    }
  });
});
