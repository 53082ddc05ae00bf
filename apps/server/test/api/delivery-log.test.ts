import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { type Activity, type ApiCaller, createApiHarness, createOwner, seedActivity } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

const T0 = Date.parse("2026-02-01T08:00:00.000Z");
const MINUTE = 60_000;

/** A cursor as the server encodes it: base64url of "<ms>:<uuid>". */
const cursorOf = (text: string) => Buffer.from(text).toString("base64url");

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`the delivery log's API on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let userId: string;
    let owner: ApiCaller;
    let stranger: ApiCaller;
    let seeded: Activity;
    let named: { id: string };
    /** By name: a delivery in each state, on the named endpoint, one a minute from T0. */
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
      userId = await createOwner(db.prisma, "Owner");
      owner = harness.as(userId);
      stranger = harness.as(await createOwner(db.prisma, "Stranger"));
      seeded = await seedActivity(db.prisma, userId);
      named = await db.prisma.webhookEndpoint.create({
        data: { userId, name: "Zapier leads", url: "https://hooks.example.com/z", secret: "whsec_x" },
      });
      const rows: [string, object][] = [
        ["succeeded", { status: "succeeded", attemptCount: 1, lastStatusCode: 200, completedAt: new Date() }],
        [
          "retrying",
          { status: "pending", attemptCount: 1, lastStatusCode: 503, lastError: "receiver answered 503" },
        ],
        [
          "notFound",
          { status: "failed", attemptCount: 3, lastStatusCode: 404, lastError: "receiver answered 404" },
        ],
        ["network", { status: "failed", attemptCount: 3, lastError: "connection refused" }],
        ["cancelled", { status: "cancelled", completedAt: new Date() }],
        ["fresh", { status: "pending" }],
      ];
      for (const [i, [name, data]] of rows.entries()) {
        const row = await db.prisma.webhookDelivery.create({
          data: {
            userId,
            endpointId: named.id,
            contactId: name === "succeeded" ? seeded.contactId : null,
            eventId: `msg_${name}_${randomUUID()}`,
            eventType: "registration.submitted",
            body: JSON.stringify({ name }),
            nextAttemptAt: new Date(T0 + 3_600_000),
            createdAt: new Date(T0 + i * MINUTE),
            ...data,
          },
        });
        ids[name] = row.id;
      }
      // The retrying delivery's attempt, 40 ms, and a test send (never a delivery).
      await db.prisma.webhookLog.createMany({
        data: [
          {
            userId,
            deliveryId: ids.retrying,
            endpointId: named.id,
            eventType: "registration.submitted",
            webhookUrl: "https://hooks.example.com/z",
            statusCode: 503,
            success: false,
            errorKind: "http",
            errorMessage: "receiver answered 503",
            attemptNumber: 1,
            durationMs: 40,
            createdAt: new Date(T0 + 2 * MINUTE),
          },
          {
            userId,
            endpointId: named.id,
            eventType: "webhook.test",
            payload: {},
            webhookUrl: "https://hooks.example.com/z",
            statusCode: 500,
            success: false,
            attemptNumber: 1,
            durationMs: 5,
            createdAt: new Date(T0 + 3 * MINUTE),
          },
        ],
      });
    });
    afterAll(async () => {
      await harness?.close();
      await db?.close();
    });

    test("lists one row per delivery, newest first, with contact email, endpoint name and state", async () => {
      const page = await owner.deliveries.list({ limit: 100 });
      // Six here, two of the seeded activity (failed and pending), no test send.
      expect(page.items).toHaveLength(8);
      const times = page.items.map((item) => item.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
      const retrying = page.items.find((item) => item.id === ids.retrying);
      expect(retrying).toMatchObject({
        state: "retrying",
        status: "pending",
        attemptCount: 1,
        maxAttempts: 3,
        nextAttemptAt: new Date(T0 + 3_600_000).toISOString(),
        lastStatusCode: 503,
        lastError: "receiver answered 503",
        lastDurationMs: 40,
        endpointName: "Zapier leads",
        endpointUrl: "https://hooks.example.com/z",
      });
      expect(page.items.find((item) => item.id === ids.fresh)).toMatchObject({ state: "pending" });
      const done = page.items.find((item) => item.id === ids.succeeded);
      expect(done).toMatchObject({
        state: "succeeded",
        contactEmail: seeded.contactEmail,
        nextAttemptAt: null,
      });
    });

    test("pages by keyset without gaps or repeats", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await owner.deliveries.list({ limit: 3, ...(cursor && { cursor }) });
        seen.push(...result.items.map((item) => item.id));
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      expect(seen).toHaveLength(8);
      expect(new Set(seen).size).toBe(8);
    });

    test("filters by state, status-code class, endpoint, contact and date range", async () => {
      const idsOf = async (input: Parameters<ApiCaller["deliveries"]["list"]>[0]) =>
        (await owner.deliveries.list({ limit: 100, ...input })).items.map((item) => item.id).sort();
      expect(await idsOf({ state: "retrying" })).toEqual([ids.retrying]);
      expect(await idsOf({ state: "pending", endpointId: named.id })).toEqual([ids.fresh]);
      expect(await idsOf({ state: "cancelled" })).toEqual([ids.cancelled]);
      expect(await idsOf({ statusClass: "2xx" })).toEqual([ids.succeeded]);
      expect(await idsOf({ statusClass: "4xx" })).toEqual([ids.notFound]);
      // The seeded failed delivery has no status (its row was created without one), nor an error.
      expect(await idsOf({ statusClass: "5xx" })).toEqual([ids.retrying]);
      expect(await idsOf({ statusClass: "network" })).toEqual([ids.network]);
      expect(await idsOf({ contactId: seeded.contactId })).toEqual(
        [ids.succeeded, seeded.deliveryIds.failed, seeded.deliveryIds.pending].sort(),
      );
      expect(
        await idsOf({
          from: new Date(T0 + MINUTE).toISOString(),
          to: new Date(T0 + 3 * MINUTE).toISOString(),
        }),
      ).toEqual([ids.retrying, ids.notFound].sort());
    });

    test("searches by a contact's email in any case, or by event id", async () => {
      const byEmail = await owner.deliveries.list({ search: seeded.contactEmail.toUpperCase() });
      expect(byEmail.items.map((item) => item.id).sort()).toEqual(
        [ids.succeeded, seeded.deliveryIds.failed, seeded.deliveryIds.pending].sort(),
      );
      const row = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: ids.network ?? "" } });
      const byEvent = await owner.deliveries.list({ search: row.eventId });
      expect(byEvent.items.map((item) => item.id)).toEqual([ids.network]);
      expect((await owner.deliveries.list({ search: "nobody@example.com" })).items).toEqual([]);
    });

    test("another account sees none of these deliveries, and cannot open one", async () => {
      expect((await stranger.deliveries.list({})).items).toEqual([]);
      expect((await stranger.deliveries.list({ search: seeded.contactEmail })).items).toEqual([]);
      await expect(stranger.deliveries.byId({ id: ids.retrying ?? "" })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      await expect(stranger.contacts.byId({ id: seeded.contactId })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    });

    test("deliveries.byId has the contact, the endpoint, the body, the headers sent and each attempt in time order", async () => {
      const detail = await owner.deliveries.byId({ id: seeded.deliveryIds.failed });
      expect(detail.delivery).toMatchObject({ id: seeded.deliveryIds.failed, state: "failed" });
      expect(detail.contact).toEqual({ id: seeded.contactId, name: "Lead", email: seeded.contactEmail });
      expect(detail.endpoint).toMatchObject({ id: seeded.endpointId, retryPreset: "standard" });
      expect(detail.endpoint).not.toHaveProperty("customHeaders");
      expect(detail.payload).toMatchObject({ event: "registration.submitted" });
      expect(detail.retryWaitsMs).toEqual([1000, 2000]);
      expect(detail.attempts.map((a) => a.attemptNumber)).toEqual([1, 2]);
      expect(detail.attempts[0]).toMatchObject({ statusCode: 503, responseExcerpt: "unavailable" });
      const names = detail.headers.map((h) => h.name);
      expect(names).toEqual(expect.arrayContaining(["webhook-id", "webhook-signature", "Authorization"]));
      // The custom header's value is a credential: masked, here and in everything the call returns.
      expect(detail.headers.find((h) => h.name === "Authorization")?.value).toMatch(/^•+/);
      expect(JSON.stringify(detail)).not.toContain("seeded-header-token");
    });

    test("a delivery whose body was removed opens with a null payload", async () => {
      await db.prisma.webhookDelivery.update({ where: { id: ids.cancelled ?? "" }, data: { body: null } });
      const detail = await owner.deliveries.byId({ id: ids.cancelled ?? "" });
      expect(detail.payload).toBeNull();
      expect(detail.attempts).toEqual([]);
    });

    test("contacts.byId has the contact with its project and page by name, and no webhook bodies", async () => {
      const contact = await owner.contacts.byId({ id: seeded.contactId });
      expect(contact).toMatchObject({
        id: seeded.contactId,
        email: seeded.contactEmail,
        projectName: "Launch",
        pageName: "Landing",
        utm: { source: "newsletter" },
      });
      expect(JSON.stringify(contact)).not.toContain("registration.submitted");
    });

    test("funnels.list counts each project's registrations", async () => {
      const projects = await owner.funnels.list();
      expect(projects.find((p) => p.id === seeded.projectId)?.registrations).toBe(1);
      const empty = await owner.funnels.create({ name: "Empty" });
      expect(empty.registrations).toBe(0);
    });

    test("endpoints.health says each endpoint's last error in words", async () => {
      const health = await owner.endpoints.health();
      expect(health.find((h) => h.endpointId === named.id)?.lastError).toBe("receiver answered 503");
      expect(health.find((h) => h.endpointId === seeded.endpointId)?.lastError).toBe("receiver answered 503");
    });

    test("stats.overview counts the deliveries pending now, whenever they were created", async () => {
      const stats = await owner.stats.overview({
        from: new Date(T0 + 10 * 86_400_000).toISOString(),
        to: new Date(T0 + 11 * 86_400_000).toISOString(),
      });
      // Retrying, fresh, and the seeded pending one; none was created in the range.
      expect(stats.pendingNow).toBe(3);
      expect(stats.deliveries.pending).toBe(0);
      // The test send at T0 + 3 min is not traffic.
      const around = await owner.stats.overview({
        from: new Date(T0).toISOString(),
        to: new Date(T0 + 3_600_000).toISOString(),
      });
      expect(around.totals.attempts).toBe(1);
    });

    test("stats.overview buckets days in the viewer's time zone, and refuses an unknown zone", async () => {
      const stats = await owner.stats.overview({
        from: "2026-01-31T00:00:00Z",
        to: "2026-02-03T00:00:00Z",
        bucket: "day",
        timeZone: "America/New_York",
      });
      // Local midnights in New York are 05:00 UTC in winter.
      expect(stats.series[0]?.at).toBe("2026-01-30T05:00:00.000Z");
      expect(stats.series.every((point) => point.at.endsWith("T05:00:00.000Z"))).toBe(true);
      // T0 + 2 min is 03:02 on Feb 1 in New York (08:02 UTC): one attempt in that local day.
      expect(stats.series.map((point) => point.attempts)).toEqual([0, 0, 1, 0]);
      await expect(
        owner.stats.overview({
          from: "2026-01-31T00:00:00Z",
          to: "2026-02-01T00:00:00Z",
          timeZone: "Mars/Base",
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    });

    test("a malformed cursor is a 400 that says to start over, in every list", async () => {
      const id = randomUUID();
      for (const cursor of [
        cursorOf(`8640000000000001:${id}`),
        cursorOf(`-5:${id}`),
        cursorOf(`1e3:${id}`),
        cursorOf(`12:not-a-uuid`),
        "%%%",
      ]) {
        for (const call of [
          () => owner.deliveries.list({ cursor }),
          () => owner.logs.list({ cursor }),
          () => owner.contacts.list({ cursor }),
        ]) {
          await expect(call()).rejects.toMatchObject({
            code: "BAD_REQUEST",
            message: "This page link is not valid; start from the first page.",
          });
        }
      }
    });
  });
}
