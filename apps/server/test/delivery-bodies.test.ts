import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ApiCaller, createApiHarness } from "./support/api";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { type SeededAccount, seedAccount } from "./support/fixtures";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { waitFor } from "./support/receiver";
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
      pipeline = await startPipeline(mode);
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

    /** Registers the SDK's reference registration and waits for its delivery to succeed. */
    async function sentDelivery(email: string) {
      const contactId = await pipeline.register(sdkRegistrationBody(account, { email }));
      return waitFor(async () => {
        const delivery = await pipeline.db.prisma.webhookDelivery.findFirst({ where: { contactId } });
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
