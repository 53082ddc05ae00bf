import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { registrationBody, seedAccount } from "./support/fixtures";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { type Script, statuses, waitFor } from "./support/receiver";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/**
 * A retry never comes before its wait; how much later it comes depends on the machine (timers,
 * polling, a busy CI host), so only the lower bound is asserted. The slack covers clock granularity.
 */
const CLOCK_SLACK_MS = 20;

/** Milliseconds between consecutive requests. */
const gapsBetween = (requests: { at: number }[]) =>
  requests.slice(1).map((request, i) => request.at - (requests[i]?.at ?? request.at));

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`webhook delivery on ${mode}`, () => {
    let db: Database;
    let pipeline: Pipeline;
    let receiver: Pipeline["receiver"];
    let refusedUrl: string;

    const scripts: Record<string, Script> = {
      "/flaky": statuses(500, 500),
      "/bad-request": statuses(400),
      "/busy": statuses([429, { "retry-after": "1" }]),
      "/busy-endpoint": statuses([429, { "retry-after": "3" }]),
      "/gone": statuses(410),
      "/hang": () => "hang",
      "/always-500": statuses(500, 500, 500, 500),
    };

    beforeAll(async () => {
      pipeline = await startPipeline(mode, {
        scripts,
        delivery: { timeoutMs: 1000, pollIntervalMs: 200 },
        // As a production process: the intake's limits stay at their defaults here.
        server: { intake: { perClientPerMinute: 120 } },
      });
      ({ db, receiver } = pipeline);
      // A port that was just free: connecting to it is refused.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
      refusedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/hook`;
      await new Promise((resolve) => probe.close(resolve));
    });
    afterAll(async () => {
      await pipeline?.close();
    });

    /** Registers one visitor for a fresh account whose only endpoint is `url`; returns the delivery. */
    async function registerFor(url: string) {
      const account = await seedAccount(db.prisma, { endpointUrls: [url], secret: SECRET });
      const id = await pipeline.register(registrationBody(account));
      return db.prisma.webhookDelivery.findFirstOrThrow({ where: { contactId: id } });
    }

    async function settled(deliveryId: string, timeoutMs = 15_000) {
      return waitFor(
        async () => {
          const d = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
          return d.status === "pending" ? undefined : d;
        },
        timeoutMs,
        `delivery ${deliveryId} to settle`,
      );
    }

    const logsOf = (deliveryId: string) =>
      db.prisma.webhookLog.findMany({ where: { deliveryId }, orderBy: { attemptNumber: "asc" } });

    test("delivers the spec's payload with both signatures over the exact bytes, and logs the attempt", async () => {
      const delivery = await registerFor(receiver.url("/ok"));
      expect(await settled(delivery.id)).toMatchObject({ status: "succeeded", attemptCount: 1 });
      const [request] = receiver
        .requestsTo("/ok")
        .filter((r) => r.headers["webhook-id"] === delivery.eventId);
      if (!request) throw new Error("receiver got nothing");
      expect(request.body).toBe(delivery.body);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["user-agent"]).toBe("GenieAI/1.0");
      // The spec's scheme: hex HMAC-SHA256 of the body with the secret as configured.
      expect(request.headers["x-webhook-signature"]).toBe(
        createHmac("sha256", SECRET).update(request.body).digest("hex"),
      );
      // Standard Webhooks, checked with its reference package.
      const verified = new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>);
      expect(verified).toMatchObject({
        event: "registration.submitted",
        data: { email: "visitor@example.com" },
      });

      const [log] = await logsOf(delivery.id);
      expect(log).toMatchObject({
        eventType: "registration.submitted",
        webhookUrl: receiver.url("/ok"),
        statusCode: 200,
        success: true,
        errorMessage: null,
        attemptNumber: 1,
        responseExcerpt: "ok",
      });
      expect(log?.deliveredAt).toBeInstanceOf(Date);
      // Not copied into the log: the delivery holds the body once (logs.byId reads it from there).
      expect(log?.payload).toBeNull();
    });

    test("retries 500, 500 then succeeds: 3 attempts, waiting 1 s then 2 s, 3 log rows", async () => {
      const delivery = await registerFor(receiver.url("/flaky"));
      expect(await settled(delivery.id)).toMatchObject({ status: "succeeded", attemptCount: 3 });
      const attempts = receiver
        .requestsTo("/flaky")
        .filter((r) => r.headers["webhook-id"] === delivery.eventId);
      expect(attempts).toHaveLength(3);
      // Every retry sends the same bytes under the same webhook-id.
      expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
      const [firstWait, secondWait] = gapsBetween(attempts);
      expect(firstWait).toBeGreaterThanOrEqual(1000 - CLOCK_SLACK_MS);
      expect(secondWait).toBeGreaterThanOrEqual(2000 - CLOCK_SLACK_MS);
      const logs = await logsOf(delivery.id);
      expect(logs.map((l) => [l.attemptNumber, l.statusCode, l.success])).toEqual([
        [1, 500, false],
        [2, 500, false],
        [3, 200, true],
      ]);
    });

    test("gives up after the spec's 3 attempts when the receiver keeps failing", async () => {
      const delivery = await registerFor(receiver.url("/always-500"));
      expect(await settled(delivery.id)).toMatchObject({
        status: "failed",
        attemptCount: 3,
        lastStatusCode: 500,
      });
      expect(await logsOf(delivery.id)).toHaveLength(3);
    });

    test("does not retry a 400: one attempt, failed", async () => {
      const delivery = await registerFor(receiver.url("/bad-request"));
      expect(await settled(delivery.id)).toMatchObject({
        status: "failed",
        attemptCount: 1,
        lastStatusCode: 400,
      });
      expect(await logsOf(delivery.id)).toHaveLength(1);
    });

    test("honours Retry-After on a 429", async () => {
      const delivery = await registerFor(receiver.url("/busy"));
      expect(await settled(delivery.id)).toMatchObject({ status: "succeeded", attemptCount: 2 });
      const attempts = receiver
        .requestsTo("/busy")
        .filter((r) => r.headers["webhook-id"] === delivery.eventId);
      expect(attempts).toHaveLength(2);
      expect(gapsBetween(attempts)[0]).toBeGreaterThanOrEqual(1000 - 50);
    });

    test("a 429's Retry-After pauses its whole endpoint: another delivery to it waits as long", async () => {
      const account = await seedAccount(db.prisma, {
        endpointUrls: [receiver.url("/busy-endpoint")],
        secret: SECRET,
      });
      await pipeline.register(registrationBody(account, { email: "first@example.com" }));
      const refused = await waitFor(
        async () => receiver.requestsTo("/busy-endpoint")[0],
        10_000,
        "the first attempt (429)",
      );
      await pipeline.register(registrationBody(account, { email: "second@example.com" }));
      await waitFor(
        async () => (receiver.requestsTo("/busy-endpoint").length >= 3 ? true : undefined),
        15_000,
        "both webhooks",
      );
      const second = receiver
        .requestsTo("/busy-endpoint")
        .find((r) => r.headers["webhook-id"] !== refused.headers["webhook-id"]);
      // Without the endpoint's pause it would go at once (or after the 1 s pause of a bare 429).
      expect((second?.at ?? 0) - refused.at).toBeGreaterThanOrEqual(3000 - 50);
    });

    test("a 410 fails the delivery and disables the endpoint with a reason", async () => {
      const delivery = await registerFor(receiver.url("/gone"));
      expect(await settled(delivery.id)).toMatchObject({ status: "failed", attemptCount: 1 });
      const endpoint = await db.prisma.webhookEndpoint.findUniqueOrThrow({
        where: { id: delivery.endpointId },
      });
      expect(endpoint.enabled).toBe(false);
      expect(endpoint.disabledReason).toMatch(/410 Gone/);
    });

    test("a receiver that hangs past the timeout is logged as a timeout and retried", async () => {
      const delivery = await registerFor(receiver.url("/hang"));
      expect(await settled(delivery.id, 20_000)).toMatchObject({ status: "failed", attemptCount: 3 });
      const logs = await logsOf(delivery.id);
      expect(logs.map((l) => [l.errorKind, l.statusCode, l.success])).toEqual(
        Array(3).fill(["timeout", null, false]),
      );
      for (const log of logs) expect(log.durationMs).toBeGreaterThanOrEqual(900);
    }, 30_000);

    test("a refused connection is logged as a connect error and retried", async () => {
      const delivery = await registerFor(refusedUrl);
      expect(await settled(delivery.id)).toMatchObject({ status: "failed", attemptCount: 3 });
      const logs = await logsOf(delivery.id);
      expect(logs.map((l) => l.errorKind)).toEqual(["connect", "connect", "connect"]);
    });

    test("the SSRF guard refuses an address that is not allow-listed, without retrying", async () => {
      // 127.0.0.2 is loopback but not on the allow-list: refused, and no traffic ever leaves the machine.
      const delivery = await registerFor("http://127.0.0.2:9/hook");
      expect(await settled(delivery.id)).toMatchObject({ status: "failed", attemptCount: 1 });
      const [log] = await logsOf(delivery.id);
      expect(log?.errorKind).toBe("ssrf-blocked");
    });
  });
}
