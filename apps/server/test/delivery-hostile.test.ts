import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { createDeliveryWorker, DeliveryWorker } from "../src/delivery";
import { attemptDelivery, createAttemptSender } from "../src/delivery/attempt";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { registrationBody, seedAccount } from "./support/fixtures";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { LOOPBACK_DELIVERY, waitFor } from "./support/receiver";

const DELIVERY = LOOPBACK_DELIVERY;

// What receivers answer and what old rows hold is not ours to choose: whatever it is, every attempt
// is logged exactly once and no delivery is sent again without a log line.
for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`hostile answers and stored data on ${mode}`, () => {
    let db: Database;
    let pipeline: Pipeline;
    let receiver: Pipeline["receiver"];
    let hangFirst = true;

    beforeAll(async () => {
      // No worker of its own: each test brings the worker it needs.
      pipeline = await startPipeline(mode, {
        delivery: false,
        scripts: {
          "/gzip": (_n, response) => {
            response.writeHead(200, { "content-type": "application/octet-stream" });
            response.end(gzipSync(Buffer.from("a compressed answer, sent without content-encoding")));
            return undefined;
          },
          "/nul": (_n, response) => {
            response.writeHead(200).end("ok\u0000then more\u0000");
            return undefined;
          },
          "/invalid-utf8": (_n, response) => {
            response.writeHead(200).end(Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0xc3, 0x28, 0x21]));
            return undefined;
          },
          "/hang-first": () => (hangFirst ? "hang" : undefined),
        },
      });
      ({ db, receiver } = pipeline);
    });
    afterAll(async () => {
      await pipeline?.close();
    });

    async function register(path: string) {
      const account = await seedAccount(db.prisma, { endpointUrls: [receiver.url(path)] });
      const id = await pipeline.register(registrationBody(account));
      return db.prisma.webhookDelivery.findFirstOrThrow({ where: { contactId: id } });
    }

    const settled = (id: string) =>
      waitFor(async () => {
        const d = await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
        return d.status === "pending" ? undefined : d;
      });

    test("binary, NUL-laden and invalid UTF-8 answers: each attempt logged once, as readable text", async () => {
      const worker = createDeliveryWorker(db.workerSql, DELIVERY);
      worker.start();
      try {
        const gzip = await register("/gzip");
        const nul = await register("/nul");
        const invalid = await register("/invalid-utf8");
        for (const d of [gzip, nul, invalid]) {
          expect(await settled(d.id)).toMatchObject({ status: "succeeded", attemptCount: 1 });
        }
        const excerpt = async (deliveryId: string) => {
          const logs = await db.prisma.webhookLog.findMany({ where: { deliveryId } });
          expect(logs).toHaveLength(1);
          return logs[0]?.responseExcerpt;
        };
        expect(await excerpt(nul.id)).toBe("ok\\u0000then more\\u0000");
        expect(await excerpt(invalid.id)).toMatch(/^ok.*!$/);
        expect(await excerpt(gzip.id)).toContain("\\u0000");
        expect(receiver.requestsTo("/gzip")).toHaveLength(1);
        expect(receiver.requestsTo("/nul")).toHaveLength(1);
        expect(receiver.requestsTo("/invalid-utf8")).toHaveLength(1);
      } finally {
        await worker.stop(1000);
      }
    });

    test("a body stored before the intake refused lone surrogates is sent once and logged once", async () => {
      const account = await seedAccount(db.prisma, { endpointUrls: [receiver.url("/legacy")] });
      const contact = await db.prisma.contact.create({
        data: { userId: account.userId, funnelProjectId: account.projectId, email: "legacy@example.com" },
      });
      // The exact bytes a 201 stored for {"name":"Ann \ud800"} before: valid text, invalid as jsonb.
      const body = JSON.stringify({ event: "registration.submitted", data: { name: "Ann \ud800" } });
      expect(body).toContain("\\ud800");
      const delivery = await db.prisma.webhookDelivery.create({
        data: {
          userId: account.userId,
          endpointId: account.endpointIds[0] as string,
          contactId: contact.id,
          eventId: `evt_${randomUUID()}`,
          eventType: "registration.submitted",
          body,
        },
      });
      const worker = createDeliveryWorker(db.workerSql, DELIVERY);
      worker.start();
      try {
        expect(await settled(delivery.id)).toMatchObject({ status: "succeeded", attemptCount: 1 });
        expect(await db.prisma.webhookLog.count({ where: { deliveryId: delivery.id } })).toBe(1);
        expect(receiver.requestsTo("/legacy").map((r) => r.body)).toEqual([body]);
      } finally {
        await worker.stop(1000);
      }
    });

    test("a worker stopped mid-attempt logs it as aborted, and the next worker delivers it", async () => {
      hangFirst = true;
      const delivery = await register("/hang-first");
      const first = createDeliveryWorker(db.workerSql, DELIVERY);
      first.start();
      await waitFor(async () => (receiver.requestsTo("/hang-first").length === 1 ? true : undefined));
      hangFirst = false;
      await first.stop(100);

      const [aborted] = await db.prisma.webhookLog.findMany({ where: { deliveryId: delivery.id } });
      expect(aborted).toMatchObject({
        attemptNumber: 1,
        success: false,
        errorKind: "aborted",
        statusCode: null,
      });
      expect(aborted?.errorMessage).toContain("stopping");
      // Retried on the schedule (1 s), by whichever worker comes next: the lease was given back.
      expect(await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject(
        {
          status: "pending",
          attemptCount: 1,
          lockedBy: null,
        },
      );

      const second = createDeliveryWorker(db.workerSql, DELIVERY);
      second.start();
      try {
        expect(await settled(delivery.id)).toMatchObject({ status: "succeeded", attemptCount: 2 });
        const logs = await db.prisma.webhookLog.findMany({
          where: { deliveryId: delivery.id },
          orderBy: { attemptNumber: "asc" },
        });
        expect(logs.map((l) => [l.attemptNumber, l.errorKind])).toEqual([
          [1, "aborted"],
          [2, null],
        ]);
        expect(receiver.requestsTo("/hang-first")).toHaveLength(2);
      } finally {
        await second.stop(1000);
      }
    });

    test("an outcome the database refuses ends the delivery as failed, with the reason logged once", async () => {
      const delivery = await register("/refused-record");
      const sender = createAttemptSender(LOOPBACK_DELIVERY);
      const errors: string[] = [];
      // A real attempt whose record holds a number no int column takes: the batch is refused.
      const worker = new DeliveryWorker({
        sql: db.workerSql,
        attempt: async (claimed, signal) => ({
          ...(await attemptDelivery(sender, claimed, signal)),
          durationMs: 1e10,
        }),
        leaseMs: 5000,
        pollIntervalMs: 100,
        onError: (_error, what) => errors.push(what),
        afterStop: () => sender.agent.close(),
      });
      worker.start();
      try {
        expect(await settled(delivery.id)).toMatchObject({
          status: "failed",
          attemptCount: 1,
          lockedBy: null,
        });
        const logs = await db.prisma.webhookLog.findMany({ where: { deliveryId: delivery.id } });
        expect(logs).toHaveLength(1);
        expect(logs[0]).toMatchObject({ errorKind: "unrecordable", statusCode: 200, success: false });
        expect(logs[0]?.errorMessage).toContain("could not record this attempt's outcome");
        expect(errors).toEqual([`recording attempt 1 of delivery ${delivery.id}`]);
        // Wait past the lease: it is not sent again.
        await new Promise((resolve) => setTimeout(resolve, 5500));
        expect(receiver.requestsTo("/refused-record")).toHaveLength(1);
      } finally {
        await worker.stop(1000);
      }
    });
  });
}
