import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { createApiHarness, createOwner, seedActivity } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`funnels on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
    });
    afterAll(async () => {
      await harness?.close();
      await db?.close();
    });

    test("a project's embed snippet names it and posts to this server", async () => {
      const owner = harness.as(await createOwner(db.prisma, "Marketer"));
      const project = await owner.funnels.create({
        name: "Spring",
        allowedOrigins: ["https://spring.example"],
      });
      const page = await owner.funnels.pages.create({ projectId: project.id, name: "Sign-up" });
      expect(project.embedSnippet).toContain(`data-project="${project.id}"`);
      expect(project.embedSnippet).toContain('data-api="https://genie.example.com"');
      expect(page.embedSnippet).toContain(`data-page="${page.id}"`);
    });

    test("deleting a project removes its contacts, but webhooks already queued for them are still delivered", async () => {
      const ownerId = await createOwner(db.prisma, "Leaver");
      const activity = await seedActivity(db.prisma, ownerId);
      const pendingBefore = await db.prisma.webhookDelivery.findUniqueOrThrow({
        where: { id: activity.deliveryIds.pending },
      });

      await harness.as(ownerId).funnels.delete({ id: activity.projectId });

      expect(await db.prisma.contact.count({ where: { id: activity.contactId } })).toBe(0);
      const pendingAfter = await db.prisma.webhookDelivery.findUniqueOrThrow({
        where: { id: activity.deliveryIds.pending },
      });
      expect(pendingAfter).toMatchObject({ status: "pending", contactId: null, body: pendingBefore.body });
    });
  });
}
