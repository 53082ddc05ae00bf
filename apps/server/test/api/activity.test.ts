import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { type Activity, type ApiCaller, createApiHarness, createOwner, seedActivity } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

const T0 = Date.parse("2026-01-05T10:00:00.000Z");
const MINUTE = 60_000;

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`logs, deliveries, contacts and stats on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let userId: string;
    let owner: ApiCaller;
    let seeded: Activity;
    let otherEndpointId: string;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
      userId = await createOwner(db.prisma, "Owner");
      owner = harness.as(userId);
      seeded = await seedActivity(db.prisma, userId);
      otherEndpointId = (
        await db.prisma.webhookEndpoint.create({
          data: { userId, url: "https://b.example.com/", secret: "whsec_x" },
        })
      ).id;
      // 30 attempts, one a minute from T0: every third failed, odd ones to the second endpoint.
      await db.prisma.webhookLog.createMany({
        data: Array.from({ length: 30 }, (_, i) => ({
          userId,
          endpointId: i % 2 ? otherEndpointId : seeded.endpointId,
          eventType: i % 5 === 0 ? "webhook.test" : "registration.submitted",
          payload: {},
          webhookUrl: "https://crm.example.com/hook",
          statusCode: i % 3 === 0 ? 500 : 200,
          success: i % 3 !== 0,
          attemptNumber: 1,
          durationMs: 10 * (i + 1),
          createdAt: new Date(T0 + i * MINUTE),
        })),
      });
    });
    afterAll(async () => {
      await harness?.close();
      await db?.close();
    });

    test("logs.list pages newest first by cursor, without gaps or repeats", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await owner.logs.list({ limit: 7, ...(cursor && { cursor }) });
        seen.push(...result.items.map((item) => item.createdAt));
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      expect(seen).toHaveLength(32); // 30 here, 2 from the seeded delivery
      expect([...seen].sort().reverse()).toEqual(seen);
      expect(new Set(seen).size).toBeGreaterThanOrEqual(31);
    });

    test("logs.list filters by status, event type, endpoint and date range together", async () => {
      const result = await owner.logs.list({
        status: "failed",
        eventType: "registration.submitted",
        endpointId: otherEndpointId,
        from: new Date(T0 + 5 * MINUTE).toISOString(),
        to: new Date(T0 + 25 * MINUTE).toISOString(),
        limit: 100,
      });
      // Failed (i % 3 == 0), odd (second endpoint), not i % 5 == 0, 5 <= i < 25: 9, 21.
      expect(result.items.map((item) => Date.parse(item.createdAt))).toEqual([
        T0 + 21 * MINUTE,
        T0 + 9 * MINUTE,
      ]);
      expect(result.nextCursor).toBeNull();
    });

    test("logs.list finds the attempts of one contact by email", async () => {
      const contact = await db.prisma.contact.findUniqueOrThrow({ where: { id: seeded.contactId } });
      const result = await owner.logs.list({ contactEmail: contact.email.toUpperCase() });
      expect(result.items.map((item) => item.id).sort()).toEqual([...seeded.logIds].sort());
      expect((await owner.logs.list({ contactEmail: "nobody@example.com" })).items).toEqual([]);
    });

    test("a malformed cursor is a BAD_REQUEST that says to start over", async () => {
      await expect(owner.logs.list({ cursor: "not-a-cursor" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    });

    test("logs.byId shows the attempt with payload, headers and the delivery's whole timeline", async () => {
      const detail = await owner.logs.byId({ id: seeded.logIds[1] ?? "" });
      expect(detail.log).toMatchObject({ attemptNumber: 2, statusCode: 503, responseExcerpt: "unavailable" });
      expect(detail.log.requestHeaders).toMatchObject({ Authorization: "••••••" });
      expect(detail.delivery).toMatchObject({ id: seeded.deliveryIds.failed, status: "failed" });
      expect(detail.timeline.map((t) => t.attemptNumber)).toEqual([1, 2]);
    });

    test("redeliver queues a failed delivery for the worker at once and wakes the worker", async () => {
      const result = await owner.deliveries.redeliver({ id: seeded.deliveryIds.failed });
      expect(result).toEqual({ id: seeded.deliveryIds.failed, status: "pending" });
      const row = await db.prisma.webhookDelivery.findUniqueOrThrow({
        where: { id: seeded.deliveryIds.failed },
      });
      expect(row).toMatchObject({ status: "pending", attemptCount: 0, lockedUntil: null, completedAt: null });
      expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      expect(harness.notified.at(-1)).toEqual([seeded.deliveryIds.failed]);
      await expect(owner.deliveries.redeliver({ id: seeded.deliveryIds.failed })).rejects.toMatchObject({
        code: "CONFLICT",
      });
    });

    test("redeliverFailed queues every failed delivery of a time range, and only those", async () => {
      const make = (status: "failed" | "succeeded", createdAt: Date) =>
        db.prisma.webhookDelivery.create({
          data: {
            userId,
            endpointId: otherEndpointId,
            eventId: `evt_${randomUUID()}`,
            eventType: "registration.submitted",
            body: "{}",
            status,
            createdAt,
          },
        });
      const inside = await make("failed", new Date(T0 + MINUTE));
      const outside = await make("failed", new Date(T0 - MINUTE));
      const succeeded = await make("succeeded", new Date(T0 + MINUTE));
      const result = await owner.deliveries.redeliverFailed({
        from: new Date(T0).toISOString(),
        to: new Date(T0 + 60 * MINUTE).toISOString(),
        endpointId: otherEndpointId,
      });
      expect(result).toEqual({ count: 1, more: false });
      const statusOf = async (id: string) =>
        (await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })).status;
      expect([await statusOf(inside.id), await statusOf(outside.id), await statusOf(succeeded.id)]).toEqual([
        "pending",
        "failed",
        "succeeded",
      ]);
      expect(harness.notified.at(-1)).toEqual([inside.id]);
    });

    test("cancel stops a pending delivery, but not one a worker is sending", async () => {
      await expect(owner.deliveries.cancel({ id: seeded.deliveryIds.pending })).resolves.toEqual({
        id: seeded.deliveryIds.pending,
        status: "cancelled",
      });
      await expect(owner.deliveries.cancel({ id: seeded.deliveryIds.pending })).rejects.toMatchObject({
        code: "CONFLICT",
      });
      const leased = await db.prisma.webhookDelivery.create({
        data: {
          userId,
          endpointId: otherEndpointId,
          eventId: `evt_${randomUUID()}`,
          eventType: "registration.submitted",
          body: "{}",
          lockedUntil: new Date(Date.now() + MINUTE),
          lockedBy: "worker-1",
        },
      });
      await expect(owner.deliveries.cancel({ id: leased.id })).rejects.toMatchObject({ code: "CONFLICT" });
    });

    test("contacts.list searches email and name as text, wildcards included", async () => {
      const project = await db.prisma.funnelProject.create({ data: { userId, name: "Search" } });
      for (const [email, name] of [
        ["ann@example.com", "Ann Lee"],
        ["bo_b@example.com", "Bob"],
        ["carl@example.com", "100% Carl"],
      ]) {
        await db.prisma.contact.create({
          data: { userId, funnelProjectId: project.id, email: email ?? "", name },
        });
      }
      const emails = async (search: string) =>
        (await owner.contacts.list({ search, projectId: project.id })).items.map((c) => c.email);
      expect(await emails("ANN")).toEqual(["ann@example.com"]);
      expect(await emails("lee")).toEqual(["ann@example.com"]);
      expect(await emails("o_b")).toEqual(["bo_b@example.com"]);
      expect(await emails("100%")).toEqual(["carl@example.com"]);
      const firstPage = await owner.contacts.list({ projectId: project.id, limit: 2 });
      expect(firstPage.items).toHaveLength(2);
      const rest = await owner.contacts.list({ projectId: project.id, cursor: firstPage.nextCursor ?? "" });
      expect(rest.items).toHaveLength(1);
      expect(rest.nextCursor).toBeNull();
    });

    test("stats.overview counts delivery attempts per hour with latency percentiles, test sends left out", async () => {
      const stats = await owner.stats.overview({
        from: new Date(T0 - 60 * MINUTE).toISOString(),
        to: new Date(T0 + 120 * MINUTE).toISOString(),
        bucket: "hour",
      });
      // Of the 30 attempts, the six webhook.test ones (i % 5 == 0) are test sends, not traffic.
      const traffic = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 5 !== 0);
      const durations = traffic.map((i) => 10 * (i + 1));
      expect(stats.series.map((p) => p.attempts)).toEqual([0, 24, 0]);
      expect(stats.totals).toMatchObject({
        attempts: 24,
        succeeded: traffic.filter((i) => i % 3 !== 0).length,
        failed: traffic.filter((i) => i % 3 === 0).length,
      });
      expect(stats.totals.successRate).toBeCloseTo(16 / 24);
      expect(stats.totals.p50Ms).toBe(Math.round(percentileCont(durations, 0.5)));
      expect(stats.series[1]?.p95Ms).toBe(Math.round(percentileCont(durations, 0.95)));
      expect(stats.series[0]).toMatchObject({ p50Ms: null, attempts: 0 });
    });

    test("stats refuses a range that would make too many buckets", async () => {
      await expect(
        owner.stats.overview({ from: "2025-01-01T00:00:00Z", to: "2025-03-01T00:00:00Z", bucket: "hour" }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    });
  });
}

/** PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks. */
function percentileCont(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const low = sorted[Math.floor(position)] ?? Number.NaN;
  const high = sorted[Math.ceil(position)] ?? Number.NaN;
  return low + (high - low) * (position - Math.floor(position));
}
