import { randomUUID } from "node:crypto";
import { contactDeletedWebhookSchema, flatContactDeletedWebhookSchema } from "@genie/schemas";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { runRetention } from "../src/jobs/retention";
import { IDEMPOTENCY_KEY_TTL_MS } from "../src/services/idempotency";
import { type ApiCaller, createApiHarness, createOwner } from "./support/api";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { waitFor } from "./support/receiver";

const DAY = 86_400_000;
const PASSWORD = "correct horse battery";

/** Every row of every table of the public schema, as text: what a dump of the database would hold. */
async function dumpAll(db: Database): Promise<string> {
  const tables = await db.sql.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await db.sql.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`);
    parts.push(...rows.map((r) => `${name}: ${r.row}`));
  }
  return parts.join("\n");
}

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`data lifecycle on ${mode}`, () => {
    let db: Database;
    let pipeline: Pipeline;
    let apiUrl: string;
    let receiver: Pipeline["receiver"];
    let harness: ReturnType<typeof createApiHarness>;
    let releaseEcho: (() => void) | null = null;

    beforeAll(async () => {
      pipeline = await startPipeline(mode, {
        scripts: {
          // Echoes what it got (the visitor's email included), but only when the test says so.
          "/echo-later": (_n, response, request) => {
            releaseEcho = () => response.writeHead(200).end(`got ${request.body}`);
            return "hang";
          },
        },
        delivery: { timeoutMs: 5000, maxInFlight: 16 },
        server: { api: { auth: { secret: "test-secret-test-secret-test-secret!" } } },
      });
      ({ db, receiver, url: apiUrl } = pipeline);
      harness = createApiHarness(db);
    });
    afterAll(async () => {
      await pipeline?.close();
      await harness?.close();
    });

    async function register(projectId: string, email: string, name: string) {
      const response = await fetch(`${apiUrl}/api/contacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, name, projectId, fields: { phone: "+1 555 0100" } }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    }

    const settled = (where: { contactId?: string; eventType?: string; userId?: string }) =>
      waitFor(async () =>
        (await db.prisma.webhookDelivery.count({ where: { ...where, status: "pending" } })) === 0
          ? true
          : undefined,
      );

    test("retention removes exactly what is older than the window, never a pending delivery", async () => {
      const owner = await createOwner(db.prisma, "Retention");
      const api = harness.as(owner);
      const { endpoint } = await api.endpoints.create({ url: "https://crm.example.com/r" });
      const now = Date.now();
      const at = (days: number) => new Date(now - days * DAY);
      const delivery = (status: "succeeded" | "failed" | "pending", completedDaysAgo: number | null) =>
        db.prisma.webhookDelivery.create({
          data: {
            userId: owner,
            endpointId: endpoint.id,
            eventId: `evt_${randomUUID()}`,
            eventType: "registration.submitted",
            body: '{"event":"registration.submitted"}',
            status,
            createdAt: at(40),
            completedAt: completedDaysAgo === null ? null : at(completedDaysAgo),
            // Not due: the worker running beside this test must not attempt (and log) it meanwhile.
            nextAttemptAt: new Date(now + DAY),
          },
        });
      const oldDone = await delivery("succeeded", 31);
      const oldFailed = await delivery("failed", 35);
      const recentDone = await delivery("succeeded", 29);
      const oldPending = await delivery("pending", null);
      const log = (days: number) =>
        db.prisma.webhookLog.create({
          data: {
            userId: owner,
            deliveryId: oldDone.id,
            endpointId: endpoint.id,
            eventType: "registration.submitted",
            webhookUrl: endpoint.url,
            success: true,
            statusCode: 200,
            attemptNumber: 1,
            createdAt: at(days),
          },
        });
      const oldLogs = [await log(31), await log(30.01)];
      const keptLogs = [await log(29.99), await log(1)];

      // The clock is given, not waited for; the window is 30 days.
      const removed = await runRetention(db.sql, { retentionDays: 30, now: new Date(now), batchSize: 1 });
      expect(removed).toEqual({ logs: 2, bodies: 2, idempotencyKeys: 0 });

      const bodies = await db.prisma.webhookDelivery.findMany({
        where: { id: { in: [oldDone.id, oldFailed.id, recentDone.id, oldPending.id] } },
        select: { id: true, body: true, status: true },
      });
      const bodyOf = (id: string) => bodies.find((d) => d.id === id)?.body;
      expect(bodyOf(oldDone.id)).toBeNull();
      expect(bodyOf(oldFailed.id)).toBeNull();
      expect(bodyOf(recentDone.id)).not.toBeNull();
      expect(bodyOf(oldPending.id)).not.toBeNull();
      expect(bodies).toHaveLength(4);
      const remaining = await db.prisma.webhookLog.findMany({
        where: { userId: owner },
        select: { id: true },
      });
      expect(remaining.map((l) => l.id).sort()).toEqual(keptLogs.map((l) => l.id).sort());
      expect(oldLogs.every((l) => !remaining.some((r) => r.id === l.id))).toBe(true);

      // The logs page works on what is left and says how far back it goes.
      const page = await api.logs.list({});
      expect(page.items.map((l) => l.id).sort()).toEqual(keptLogs.map((l) => l.id).sort());
      expect(page.keptDays).toBe(30);
      // A delivery whose body expired cannot be redelivered, and the API says why.
      await expect(api.deliveries.redeliver({ id: oldDone.id })).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        message: expect.stringContaining("retention period"),
      });
      // A second pass finds nothing more.
      expect(await runRetention(db.sql, { retentionDays: 30, now: new Date(now) })).toEqual({
        logs: 0,
        bodies: 0,
        idempotencyKeys: 0,
      });
    });

    test("retention removes Idempotency-Keys past their day; one still within it replays", async () => {
      const owner = await createOwner(db.prisma, "Keys");
      const withKey = (key: string) =>
        harness.as(owner, { idempotencyKey: key }).endpoints.create({ url: "https://crm.example.com/k" });
      const kept = await withKey("deploy-kept");
      await withKey("deploy-expired");
      const now = Date.now();
      await db.prisma.idempotencyKey.updateMany({
        where: { userId: owner, key: "deploy-expired" },
        data: { createdAt: new Date(now - IDEMPOTENCY_KEY_TTL_MS - 1) },
      });

      const removed = await runRetention(db.sql, { retentionDays: 30, now: new Date(now), batchSize: 1 });
      expect(removed.idempotencyKeys).toBe(1);
      const left = await db.prisma.idempotencyKey.findMany({
        where: { userId: owner },
        select: { key: true },
      });
      expect(left.map((k) => k.key)).toEqual(["deploy-kept"]);
      // The kept key still answers with the endpoint its first call made.
      expect((await withKey("deploy-kept")).endpoint.id).toBe(kept.endpoint.id);
    });

    test("erasing a contact leaves its email and name nowhere, cancels what is pending and tells subscribed CRMs", async () => {
      const owner = await createOwner(db.prisma, "Eraser");
      const api = harness.as(owner);
      const project = await api.funnels.create({ name: "Erasure" });
      await api.endpoints.create({ url: receiver.url("/crm") });
      await api.endpoints.create({
        url: receiver.url("/erasures-nested"),
        eventTypes: ["registration.submitted", "contact.deleted"],
      });
      await api.endpoints.create({
        url: receiver.url("/erasures-flat"),
        eventTypes: ["contact.deleted"],
        payloadFormat: "flat",
      });
      const email = `forget-me-${randomUUID()}@example.com`;
      const name = `Zelda Quixote ${randomUUID().slice(0, 8)}`;
      const contactId = await register(project.id, email, name);
      await settled({ userId: owner });
      expect(await dumpAll(db)).toContain(email);
      // The export holds it all, for an access request.
      const exported = await api.contacts.export({ id: contactId });
      expect(exported.contact).toMatchObject({ email, name });
      expect(exported.deliveries).toHaveLength(2);
      expect(exported.deliveries[0]?.attempts).toHaveLength(1);

      const result = await api.contacts.delete({ id: contactId });
      expect(result).toMatchObject({ contacts: 1, deliveriesCancelled: 0, bodiesErased: 2, notified: 2 });

      // The erasure reaches the CRMs that asked for it, in their format…
      await settled({ userId: owner, eventType: "contact.deleted" });
      const [nested] = receiver
        .requestsTo("/erasures-nested")
        .filter((r) => r.body.includes("contact.deleted"));
      expect(contactDeletedWebhookSchema.parse(JSON.parse(nested?.body ?? "null")).data).toEqual({
        contactId,
        email,
      });
      const [flat] = receiver.requestsTo("/erasures-flat");
      expect(flatContactDeletedWebhookSchema.parse(JSON.parse(flat?.body ?? "null"))).toMatchObject({
        contact_id: contactId,
        email,
      });
      // …and then Genie keeps no copy of it either.
      const dump = await dumpAll(db);
      expect(dump).not.toContain(email);
      expect(dump).not.toContain(name);
      expect(dump).not.toContain("+1 555 0100");
      // What counts keep stays: the attempts happened.
      expect(await db.prisma.webhookLog.count({ where: { userId: owner } })).toBe(4);
      const [audit] = await db.prisma.auditEvent.findMany({ where: { userId: owner } });
      expect(audit).toMatchObject({ action: "contact.erased" });
      expect(JSON.stringify(audit)).not.toContain(email);
      await expect(api.contacts.export({ id: contactId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    test("erasure by email takes every contact with it; an attempt in flight ends without the answer kept", async () => {
      const owner = await createOwner(db.prisma, "Forget");
      const api = harness.as(owner);
      const first = await api.funnels.create({ name: "First" });
      const second = await api.funnels.create({ name: "Second" });
      await api.endpoints.create({ url: receiver.url("/echo-later"), projectIds: [first.id] });
      const email = `twice-${randomUUID()}@example.com`;
      const inFlight = await register(first.id, email, "Ann One");
      await register(second.id, email.toUpperCase(), "Ann Two");
      await waitFor(async () => (receiver.requestsTo("/echo-later").length > 0 ? true : undefined));

      const result = await api.contacts.deleteByEmail({ email });
      expect(result.contacts).toBe(2);
      // The delivery was being sent: it is cancelled, the attempt finishes and is logged, without
      // the receiver's echo of the erased data.
      releaseEcho?.();
      await waitFor(async () =>
        (await db.prisma.webhookLog.count({ where: { userId: owner } })) === 1 ? true : undefined,
      );
      const [delivery] = await db.prisma.webhookDelivery.findMany({ where: { userId: owner } });
      expect(delivery).toMatchObject({ status: "cancelled", body: null, contactId: null });
      const [log] = await db.prisma.webhookLog.findMany({ where: { userId: owner } });
      expect(log).toMatchObject({ success: true, responseExcerpt: null, payload: null });
      const dump = await dumpAll(db);
      expect(dump).not.toContain(email);
      expect(dump).not.toContain(email.toUpperCase());
      expect(inFlight).toBeTruthy();
    });

    test("deleting an account removes everything it owns and ends its sessions", async () => {
      const post = (path: string, body: unknown, cookie = "") =>
        fetch(`${apiUrl}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: apiUrl, ...(cookie && { cookie }) },
          body: JSON.stringify(body),
        });
      const email = `leaving-${randomUUID()}@example.com`;
      const signUp = await post("/api/auth/sign-up/email", {
        name: "Leaving Owner",
        email,
        password: PASSWORD,
      });
      expect(signUp.status).toBe(200);
      const cookie = signUp.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
      const api: ApiCaller = harness.as(user.id);
      const project = await api.funnels.create({ name: "Leaving" });
      await api.endpoints.create({ url: receiver.url("/leaving") });
      await register(project.id, `lead-of-${email}`, "A Lead");
      await settled({ userId: user.id });

      const wrong = await post("/trpc/account.delete", { password: "not the password" }, cookie);
      expect(wrong.status).toBe(400);
      expect(await db.prisma.user.count({ where: { id: user.id } })).toBe(1);

      const deleted = await post("/trpc/account.delete", { password: PASSWORD }, cookie);
      expect(deleted.status).toBe(200);
      expect(await dumpAll(db)).not.toContain(user.id);
      const me = await fetch(`${apiUrl}/trpc/account.me`, { headers: { cookie } });
      expect(me.status).toBe(401);
    });
  });
}
