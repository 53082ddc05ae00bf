import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ApiCaller, createApiHarness } from "./support/api";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { type SeededAccount, seedAccount } from "./support/fixtures";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { statuses, waitFor } from "./support/receiver";
import { sdkRegistrationBody } from "./support/sdk-registration";

// A delivery keeps its body only while it may be sent; afterwards the page and a redelivery rebuild
// it from the contact. What a user sees and what a CRM receives again must be what was first sent.
for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`a sent delivery's body on ${mode}`, () => {
    let pipeline: Pipeline;
    let account: SeededAccount;
    let harness: ReturnType<typeof createApiHarness>;
    let owner: ApiCaller;

    beforeAll(async () => {
      // The first request to /busy fails: its delivery waits 5 s (the extended schedule) for a retry.
      pipeline = await startPipeline(mode, { scripts: { "/busy": statuses(503) } });
      account = await seedAccount(pipeline.db.prisma, { endpointUrls: [pipeline.receiver.url("/crm")] });
      await pipeline.db.prisma.funnelProject.update({
        where: { id: account.projectId },
        data: { defaultCountry: "US" },
      });
      harness = createApiHarness(pipeline.db);
      owner = harness.as(account.userId);
    });
    afterAll(async () => {
      await harness?.close();
      await pipeline?.close();
    });

    /** Registers the SDK's reference registration and waits for its delivery to /crm to succeed. */
    async function sentDelivery(email: string) {
      const contactId = await pipeline.register(sdkRegistrationBody(account, { email }));
      return waitFor(async () => {
        const delivery = await pipeline.db.prisma.webhookDelivery.findFirst({
          where: { contactId, endpointId: account.endpointIds[0] },
        });
        return delivery?.status === "succeeded" ? { ...delivery, contactId } : undefined;
      });
    }
    const received = (eventId: string) =>
      pipeline.receiver.requestsTo("/crm").filter((r) => r.headers["webhook-id"] === eventId);

    test("is dropped once sent, shown and sent again byte for byte in the format it went in, after the endpoint changed format", async () => {
      const delivery = await sentDelivery("rebuilt@example.com");
      expect(delivery.body).toBeNull();
      const [first] = received(delivery.eventId);
      if (!first) throw new Error("the receiver got nothing");
      await owner.endpoints.update({ id: account.endpointIds[0] ?? "", payloadFormat: "flat" });

      const detail = await owner.deliveries.byId({ id: delivery.id });
      expect(detail.payloadFormat).toBe("nested");
      expect(JSON.stringify(detail.payload)).toBe(first.body);

      await owner.deliveries.redeliver({ id: delivery.id });
      const both = await waitFor(async () => {
        const requests = received(delivery.eventId);
        return requests.length === 2 ? requests : undefined;
      });
      expect(both[1]?.body).toBe(first.body);
      await waitFor(async () => {
        const row = await pipeline.db.prisma.webhookDelivery.findUniqueOrThrow({
          where: { id: delivery.id },
        });
        return row.status === "succeeded" && row.body === null ? row : undefined;
      });
      expect(await pipeline.db.prisma.webhookLog.count({ where: { deliveryId: delivery.id } })).toBe(2);
    });

    test("is dropped when a waiting delivery is cancelled, and a redelivery sends the bytes first sent", async () => {
      const { endpoint } = await owner.endpoints.create({
        url: pipeline.receiver.url("/busy"),
        retryPreset: "extended",
      });
      const contactId = await pipeline.register(
        sdkRegistrationBody(account, { email: "cancelled@example.com" }),
      );
      const waiting = await waitFor(async () => {
        const delivery = await pipeline.db.prisma.webhookDelivery.findFirst({
          where: { contactId, endpointId: endpoint.id },
        });
        return delivery?.attemptCount === 1 && delivery.lockedBy === null ? delivery : undefined;
      });
      await owner.deliveries.cancel({ id: waiting.id });
      const cancelled = await pipeline.db.prisma.webhookDelivery.findUniqueOrThrow({
        where: { id: waiting.id },
      });
      expect(cancelled).toMatchObject({ status: "cancelled", body: null });

      await owner.deliveries.redeliver({ id: waiting.id });
      const both = await waitFor(async () => {
        const requests = pipeline.receiver
          .requestsTo("/busy")
          .filter((r) => r.headers["webhook-id"] === waiting.eventId);
        return requests.length === 2 ? requests : undefined;
      });
      expect(both[1]?.body).toBe(both[0]?.body);
    });

    test("is gone with its contact: an erased contact's delivery shows none and is not sent again", async () => {
      const delivery = await sentDelivery("erased@example.com");
      await owner.contacts.delete({ id: delivery.contactId });
      expect((await owner.deliveries.byId({ id: delivery.id })).payload).toBeNull();
      await expect(owner.deliveries.redeliver({ id: delivery.id })).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
      });
      expect(received(delivery.eventId)).toHaveLength(1);
    });
  });
}
