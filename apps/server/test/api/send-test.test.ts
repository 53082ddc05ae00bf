import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { type ApiCaller, createApiHarness, createOwner } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";
import { startReceiver, statuses } from "../support/receiver";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`webhooks.sendTest on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let alice: ApiCaller;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      // A short timeout keeps the hanging-receiver case quick.
      harness = createApiHarness(db, { timeoutMs: 500 });
      alice = harness.as(await createOwner(db.prisma, "Alice"));
      receiver = await startReceiver({
        "/fail": statuses(500),
        "/hang": () => "hang",
      });
    });
    afterAll(async () => {
      await receiver?.close();
      await harness?.close();
      await db?.close();
    });

    test("a 200 answer: signed with the endpoint's secret, custom headers sent but masked, logged", async () => {
      const { endpoint, secret } = await alice.endpoints.create({
        url: receiver.url("/ok"),
        customHeaders: { "x-make-apikey": "make-key-0123456789abc" },
      });
      const result = await alice.webhooks.sendTest({ endpointId: endpoint.id });
      expect(result).toMatchObject({ ok: true, statusCode: 200, errorKind: null, responseExcerpt: "ok" });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      expect(result.requestHeaders["x-make-apikey"]).toBe("••••••");
      expect(result.requestHeaders["webhook-signature"]).toMatch(/^v1,/);

      const [request] = receiver.requestsTo("/ok");
      expect(request?.headers["x-make-apikey"]).toBe("make-key-0123456789abc");
      const verified = new Webhook(secret).verify(request?.body ?? "", {
        "webhook-id": String(request?.headers["webhook-id"]),
        "webhook-timestamp": String(request?.headers["webhook-timestamp"]),
        "webhook-signature": String(request?.headers["webhook-signature"]),
      }) as { event: string };
      expect(verified.event).toBe("webhook.test");

      const detail = await alice.logs.byId({ id: result.logId });
      expect(detail.log).toMatchObject({ eventType: "webhook.test", success: true, statusCode: 200 });
      expect(detail.log.endpointId).toBe(endpoint.id);
      expect(detail.delivery).toBeNull();
      expect(detail.timeline.map((t) => t.id)).toEqual([result.logId]);
    });

    test("a 500 answer is a failed result with the status and the receiver's answer", async () => {
      const result = await alice.webhooks.sendTest({ url: receiver.url("/fail") });
      expect(result).toMatchObject({
        ok: false,
        statusCode: 500,
        errorKind: "http",
        errorMessage: "receiver answered 500",
        responseExcerpt: "status 500",
      });
      const log = await db.prisma.webhookLog.findUniqueOrThrow({ where: { id: result.logId } });
      expect(log).toMatchObject({ success: false, statusCode: 500, endpointId: null, deliveryId: null });
    });

    test("a receiver that never answers ends as a timeout", async () => {
      const result = await alice.webhooks.sendTest({ url: receiver.url("/hang") });
      expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "timeout" });
      expect(result.durationMs).toBeGreaterThanOrEqual(450);
    });

    test.each(["http://169.254.169.254/latest/meta-data", "http://10.0.0.1/hook", "http://localhost/hook"])(
      "%s is refused by the SSRF guard without a connection, and logged",
      async (url) => {
        const before = receiver.received.length;
        const result = await alice.webhooks.sendTest({ url });
        expect(result).toMatchObject({ ok: false, statusCode: null, errorKind: "ssrf-blocked" });
        expect(result.errorMessage).toContain("cannot receive webhooks");
        expect(receiver.received.length).toBe(before);
        const log = await db.prisma.webhookLog.findUniqueOrThrow({ where: { id: result.logId } });
        expect(log.errorKind).toBe("ssrf-blocked");
      },
    );

    test("during a rotation both secrets sign, so a receiver with the old one still verifies", async () => {
      const { endpoint, secret: old } = await alice.endpoints.create({ url: receiver.url("/rotating") });
      const { secret: fresh } = await alice.endpoints.rotateSecret({ id: endpoint.id, graceHours: 1 });
      await alice.webhooks.sendTest({ endpointId: endpoint.id });
      const [request] = receiver.requestsTo("/rotating");
      const headers = {
        "webhook-id": String(request?.headers["webhook-id"]),
        "webhook-timestamp": String(request?.headers["webhook-timestamp"]),
        "webhook-signature": String(request?.headers["webhook-signature"]),
      };
      for (const secret of [old, fresh])
        expect(() => new Webhook(secret).verify(request?.body ?? "", headers)).not.toThrow();
    });
  });
}
