import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { registrationBody, seedAccount } from "./support/fixtures";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { type ReceivedRequest, type Script, waitFor } from "./support/receiver";

// The delivery promise, checked from outside the mechanism: what the receivers got, per contact,
// and what the log table says, after a burst of registrations larger than the worker's limits.
const LIMITS = { maxInFlight: 6, maxInFlightPerEndpoint: 4 };
/** Concurrent visitors: several times the worker's slots, so most registrations find it full. */
const CLIENTS = 16;
/**
 * The burst: at least MIN registrations however slow the machine, then more until BURST_MS or MAX,
 * and never past HARD_STOP_MS (bounded in count and time, and not dependent on the machine's speed).
 */
const MIN_REGISTRATIONS = 60;
const MAX_REGISTRATIONS = 300;
const BURST_MS = 2500;
const HARD_STOP_MS = 60_000;
const SLOW_ANSWER_MS = 150;

/** Answers 200 after `ms`, like a CRM that does real work per webhook. */
const slowly =
  (ms: number): Script =>
  (_n, response) => {
    setTimeout(() => response.writeHead(200).end("ok"), ms);
    return "hang";
  };

/** Fails the first attempt of every webhook (503) and accepts the second: half of all attempts fail. */
function failsFirstAttempt(): Script {
  const seen = new Set<string>();
  return (_n, response, request) => {
    const id = String(request.headers["webhook-id"]);
    const first = !seen.has(id);
    seen.add(id);
    setTimeout(() => response.writeHead(first ? 503 : 200).end(first ? "try later" : "ok"), 20);
    return "hang";
  };
}

const contactIdOf = (request: ReceivedRequest) =>
  (JSON.parse(request.body) as { data: { contactId: string } }).data.contactId;

/** How many requests each contact's webhook made to a path. */
function perContact(requests: ReceivedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const id = contactIdOf(request);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`the delivery invariants under load on ${mode}`, () => {
    let pipeline: Pipeline;
    const workerErrors: unknown[] = [];

    beforeAll(async () => {
      pipeline = await startPipeline(mode, {
        scripts: { "/slow": slowly(SLOW_ANSWER_MS), "/flaky": failsFirstAttempt(), "/paced": slowly(30) },
        delivery: { timeoutMs: 5000, ...LIMITS },
        onWorkerError: (error) => workerErrors.push(error),
      });
    });
    afterAll(async () => {
      await pipeline?.close();
    });

    test("every acknowledged registration arrives once per endpoint, within the limits, each attempt logged once", async () => {
      const { db, receiver } = pipeline;
      const account = await seedAccount(db.prisma, {
        endpointUrls: [receiver.url("/slow"), receiver.url("/flaky")],
      });
      const [slowEndpoint, flakyEndpoint] = account.endpointIds;

      // The burst: CLIENTS visitors registering back to back.
      const acknowledged: string[] = [];
      const refused: number[] = [];
      const started = Date.now();
      let sent = 0;
      const more = () => {
        const elapsed = Date.now() - started;
        if (elapsed > HARD_STOP_MS) return false;
        return sent < MIN_REGISTRATIONS || (elapsed < BURST_MS && sent < MAX_REGISTRATIONS);
      };
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (more()) {
            const n = sent++;
            const response = await pipeline.post(
              registrationBody(account, { email: `visitor-${n}@example.com` }),
            );
            if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
            else refused.push(response.status);
          }
        }),
      );
      expect(refused).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(MIN_REGISTRATIONS);

      // Wait (bounded) until no delivery of the burst is pending any more.
      await waitFor(
        async () => {
          const pending = await db.prisma.webhookDelivery.count({
            where: { userId: account.userId, status: "pending" },
          });
          return pending === 0 ? true : undefined;
        },
        90_000,
        "every delivery of the burst to settle",
      );

      // Every acknowledged registration arrived at both endpoints; nothing else did.
      const slow = perContact(receiver.requestsTo("/slow"));
      const flaky = perContact(receiver.requestsTo("/flaky"));
      expect([...slow.keys()].sort()).toEqual([...acknowledged].sort());
      expect([...flaky.keys()].sort()).toEqual([...acknowledged].sort());
      // None twice: the slow CRM got each webhook exactly once; the flaky one exactly twice (503, then 200).
      expect([...slow.values()].filter((n) => n !== 1)).toEqual([]);
      expect([...flaky.values()].filter((n) => n !== 2)).toEqual([]);
      const accepted = receiver.requestsTo("/flaky").length - flaky.size;
      expect(accepted).toBe(acknowledged.length);

      // The limits held, as the receivers saw them.
      expect(receiver.peakInFlight()).toBeLessThanOrEqual(LIMITS.maxInFlight);
      expect(receiver.peakInFlight("/slow")).toBeLessThanOrEqual(LIMITS.maxInFlightPerEndpoint);
      expect(receiver.peakInFlight("/flaky")).toBeLessThanOrEqual(LIMITS.maxInFlightPerEndpoint);

      // One log row per attempt the receiver saw, numbered 1..n per delivery.
      const logs = await db.prisma.webhookLog.findMany({
        where: { userId: account.userId },
        select: { endpointId: true, deliveryId: true, attemptNumber: true, success: true },
      });
      expect(logs.filter((l) => l.endpointId === slowEndpoint)).toHaveLength(
        receiver.requestsTo("/slow").length,
      );
      expect(logs.filter((l) => l.endpointId === flakyEndpoint)).toHaveLength(
        receiver.requestsTo("/flaky").length,
      );
      const attemptsByDelivery = new Map<string, number[]>();
      for (const log of logs) {
        const list = attemptsByDelivery.get(String(log.deliveryId)) ?? [];
        list.push(log.attemptNumber);
        attemptsByDelivery.set(String(log.deliveryId), list);
      }
      for (const attempts of attemptsByDelivery.values()) {
        expect(attempts.sort()).toEqual(Array.from({ length: attempts.length }, (_, i) => i + 1));
      }
      const deliveries = await db.prisma.webhookDelivery.groupBy({
        by: ["status"],
        where: { userId: account.userId },
        _count: true,
      });
      expect(deliveries).toEqual([{ status: "succeeded", _count: acknowledged.length * 2 }]);
      expect(workerErrors).toEqual([]);
    }, 180_000);

    test("an endpoint's own pacing holds at the receiver: never more in flight, nor more started in a second, than it allows", async () => {
      const { db, receiver } = pipeline;
      const account = await seedAccount(db.prisma, { endpointUrls: [receiver.url("/paced")] });
      const pace = { maxConcurrency: 2, rateLimitPerSecond: 20 };
      await db.prisma.webhookEndpoint.update({ where: { id: account.endpointIds[0] }, data: pace });
      const count = 40;
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          pipeline.register(registrationBody(account, { email: `paced-${i}@example.com` })),
        ),
      );
      await waitFor(
        async () => (receiver.requestsTo("/paced").length >= count ? true : undefined),
        60_000,
        "every paced webhook",
      );
      const received = receiver.requestsTo("/paced");
      expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(count);
      expect(receiver.peakInFlight("/paced")).toBeLessThanOrEqual(pace.maxConcurrency);
      const times = received.map((r) => r.at);
      for (const start of times) {
        expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(
          pace.rateLimitPerSecond,
        );
      }
      expect(workerErrors).toEqual([]);
    }, 120_000);
  });
}
