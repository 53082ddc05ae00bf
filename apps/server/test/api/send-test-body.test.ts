import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { type ApiCaller, createApiHarness, createOwner } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";
import { startReceiver } from "../support/receiver";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`webhooks.sendTest body on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let owner: ApiCaller;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
      owner = harness.as(await createOwner(db.prisma, "Body"));
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
      await harness?.close();
      await db?.close();
    });

    test("answers with the exact bytes the receiver got (the log's jsonb copy reorders keys)", async () => {
      const result = await owner.webhooks.sendTest({ url: receiver.url("/exact") });
      const [request] = receiver.requestsTo("/exact");
      expect(result.body).toBe(request?.body);
      expect(JSON.parse(result.body).event).toBe("webhook.test");
    });
  });
}
