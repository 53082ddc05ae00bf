import { flatRegistrationWebhookSchema, registrationWebhookSchema } from "@genie/schemas";
import { verifyWebhook } from "@genie/webhook-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { type ApiCaller, createApiHarness, createOwner } from "./support/api";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { waitFor } from "./support/receiver";

// Which endpoint gets which leads, and in which shape, counted at loopback receivers.
for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`routing on ${mode}`, () => {
    let db: Database;
    let pipeline: Pipeline;
    let apiUrl: string;
    let receiver: Pipeline["receiver"];
    let harness: ReturnType<typeof createApiHarness>;
    let owner: ApiCaller;

    beforeAll(async () => {
      pipeline = await startPipeline(mode);
      ({ db, receiver, url: apiUrl } = pipeline);
      harness = createApiHarness(db);
      owner = harness.as(await createOwner(db.prisma, "Agency"));
    });
    afterAll(async () => {
      await pipeline?.close();
      await harness?.close();
    });

    async function register(projectId: string, body: Record<string, unknown> = {}) {
      const response = await fetch(`${apiUrl}/api/contacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "lead@example.com", name: "Mary Ann Smith", projectId, ...body }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    }

    async function settledFor(contactIds: string[]) {
      await waitFor(async () => {
        const pending = await db.prisma.webhookDelivery.count({
          where: { contactId: { in: contactIds }, status: "pending" },
        });
        return pending === 0 ? true : undefined;
      });
    }

    const contactsAt = (path: string) =>
      receiver
        .requestsTo(path)
        .map((r) => JSON.parse(r.body) as { data?: { contactId: string }; contact_id?: string })
        .map((body) => body.data?.contactId ?? body.contact_id)
        .sort();

    test("two projects, three endpoints: each registration reaches exactly the endpoints that route it", async () => {
      const webinar = await owner.funnels.create({ name: "Webinar" });
      const demo = await owner.funnels.create({ name: "Demo" });
      const zapier = await owner.endpoints.create({
        url: receiver.url("/webinar"),
        projectIds: [webinar.id],
      });
      const sales = await owner.endpoints.create({ url: receiver.url("/demo"), projectIds: [demo.id] });
      const all = await owner.endpoints.create({ url: receiver.url("/all") });
      expect(zapier.endpoint.projectIds).toEqual([webinar.id]);
      expect(all.endpoint.projectIds).toBeNull();

      const fromWebinar = [
        await register(webinar.id),
        await register(webinar.id),
        await register(webinar.id),
      ];
      const fromDemo = [await register(demo.id), await register(demo.id)];
      await settledFor([...fromWebinar, ...fromDemo]);

      expect(contactsAt("/webinar")).toEqual([...fromWebinar].sort());
      expect(contactsAt("/demo")).toEqual([...fromDemo].sort());
      expect(contactsAt("/all")).toEqual([...fromWebinar, ...fromDemo].sort());
      expect(await db.prisma.webhookDelivery.count({ where: { endpointId: sales.endpoint.id } })).toBe(
        fromDemo.length,
      );
    });

    test("a flat endpoint receives the flat body, which parses with its schema and verifies", async () => {
      const project = await owner.funnels.create({ name: "Flat" });
      const { endpoint, secret } = await owner.endpoints.create({
        url: receiver.url("/flat"),
        projectIds: [project.id],
        payloadFormat: "flat",
      });
      expect(endpoint.payloadFormat).toBe("flat");
      const contactId = await register(project.id, {
        utm: { source: "newsletter" },
        fields: { company: "Acme", seats: 5 },
      });
      await settledFor([contactId]);
      const [request] = receiver.requestsTo("/flat");
      if (!request) throw new Error("the flat endpoint received nothing");
      verifyWebhook(request.body, request.headers as Record<string, string>, { secrets: secret });
      const body = flatRegistrationWebhookSchema.parse(JSON.parse(request.body));
      expect(body).toMatchObject({
        event: "registration.submitted",
        contact_id: contactId,
        email: "lead@example.com",
        name: "Mary Ann Smith",
        first_name: "Mary",
        last_name: "Ann Smith",
        project_id: project.id,
        project_name: "Flat",
        utm_source: "newsletter",
        utm_medium: null,
        field_company: "Acme",
        field_seats: 5,
      });
      // The all-projects endpoint of the first test got the same registration, nested.
      const nested = receiver.requestsTo("/all").find((r) => r.body.includes(contactId));
      expect(registrationWebhookSchema.parse(JSON.parse(nested?.body ?? "null")).data.contactId).toBe(
        contactId,
      );
    });

    test("event types: null is the default set, a list is kept, unknown types are refused", async () => {
      const { endpoint } = await owner.endpoints.create({ url: receiver.url("/events") });
      expect(endpoint.eventTypes).toBeNull();
      const listed = await owner.endpoints.update({
        id: endpoint.id,
        eventTypes: ["registration.submitted"],
      });
      expect(listed.endpoint.eventTypes).toEqual(["registration.submitted"]);
      const reset = await owner.endpoints.update({ id: endpoint.id, eventTypes: null });
      expect(reset.endpoint.eventTypes).toBeNull();
      await expect(
        owner.endpoints.create({ url: receiver.url("/events"), eventTypes: ["contact.exploded" as never] }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(owner.endpoints.update({ id: endpoint.id, eventTypes: [] })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    });

    test("another account's project id is refused in projectIds, like one that does not exist", async () => {
      const other = harness.as(await createOwner(db.prisma, "Other"));
      const theirs = await other.funnels.create({ name: "Theirs" });
      const attempt = owner.endpoints.create({ url: receiver.url("/x"), projectIds: [theirs.id] });
      await expect(attempt).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: `No funnel project of yours has the id ${theirs.id}.`,
      });
      const { endpoint } = await owner.endpoints.create({ url: receiver.url("/x") });
      await expect(
        owner.endpoints.update({ id: endpoint.id, projectIds: [theirs.id] }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      expect((await owner.endpoints.byId({ id: endpoint.id })).projectIds).toBeNull();
    });

    test("deleting a project takes it off every list; an empty list receives nothing and says so", async () => {
      const keep = await owner.funnels.create({ name: "Keep" });
      const gone = await owner.funnels.create({ name: "Gone" });
      const both = await owner.endpoints.create({
        url: receiver.url("/both"),
        projectIds: [keep.id, gone.id],
      });
      const only = await owner.endpoints.create({ url: receiver.url("/only-gone"), projectIds: [gone.id] });
      await owner.funnels.delete({ id: gone.id });

      expect((await owner.endpoints.byId({ id: both.endpoint.id })).projectIds).toEqual([keep.id]);
      const emptied = await owner.endpoints.byId({ id: only.endpoint.id });
      expect(emptied.projectIds).toEqual([]);
      expect(emptied.routingWarning).toContain("Receives no registrations");
      const contactId = await register(keep.id);
      await settledFor([contactId]);
      expect(contactsAt("/both")).toEqual([contactId]);
      expect(receiver.requestsTo("/only-gone")).toHaveLength(0);
    });

    test("the test button sends the endpoint's own format, or the one chosen for an unsaved URL", async () => {
      const { endpoint } = await owner.endpoints.create({
        url: receiver.url("/test-flat"),
        payloadFormat: "flat",
      });
      const saved = await owner.webhooks.sendTest({ endpointId: endpoint.id });
      expect(flatRegistrationWebhookSchema.parse(JSON.parse(saved.body))).toMatchObject({
        event: "webhook.test",
      });
      expect(receiver.requestsTo("/test-flat").map((r) => r.body)).toEqual([saved.body]);
      const unsaved = await owner.webhooks.sendTest({
        url: receiver.url("/test-typed"),
        payloadFormat: "flat",
      });
      expect(JSON.parse(unsaved.body)).toHaveProperty("first_name", "Test");
      const nested = await owner.webhooks.sendTest({ url: receiver.url("/test-typed") });
      expect(JSON.parse(nested.body)).toHaveProperty("data.name", "Test Contact");
    });
  });
}
