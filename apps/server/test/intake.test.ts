import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import type { ClaimedDelivery, DeliveryHandOff } from "../src/delivery/contract";
import { buildServer } from "../src/server";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { registrationBody, type SeededAccount, seedAccount } from "./support/fixtures";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`POST /api/contacts on ${mode}`, () => {
    let db: Database;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let url: string;
    let account: SeededAccount;
    // Stands in for the worker of the process: reserves while `leasing` is true, records what it adopts.
    const adopted: ClaimedDelivery[][] = [];
    let leasing = true;
    const handOff: DeliveryHandOff = {
      reserve: () =>
        leasing
          ? {
              workerId: "intake-test",
              leaseMs: 60_000,
              adopt: (deliveries) => adopted.push(deliveries),
              release: () => {},
            }
          : null,
    };

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      app = await buildServer({
        db,
        intake: { handOff, perClientPerMinute: 10_000 },
      });
      url = await app.listen({ port: 0, host: "127.0.0.1" });
      account = await seedAccount(db.prisma, {
        endpointUrls: ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"],
      });
    });
    afterAll(async () => {
      await app?.close();
      await db?.close();
    });

    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}/api/contacts`, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "test-browser/1.0", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });

    test("stores the contact and one delivery per enabled endpoint, then answers 201 with the id", async () => {
      const response = await post(registrationBody(account));
      expect(response.status).toBe(201);
      const { id } = (await response.json()) as { id: string };
      const contact = await db.prisma.contact.findUniqueOrThrow({ where: { id } });
      expect(contact).toMatchObject({
        email: "visitor@example.com",
        utmSource: "newsletter",
        userAgent: "test-browser/1.0",
        customFields: { company: "Acme", seats: 5 },
      });
      const deliveries = await db.prisma.webhookDelivery.findMany({ where: { contactId: id } });
      expect(deliveries.map((d) => d.endpointId).sort()).toEqual([...account.endpointIds].sort());
      // Written already leased to the worker of this process, and handed to it with what it needs.
      expect(deliveries.map((d) => d.lockedBy)).toEqual(["intake-test", "intake-test"]);
      expect(
        adopted
          .at(-1)
          ?.map((d) => d.id)
          .sort(),
      ).toEqual(deliveries.map((d) => d.id).sort());
      expect(adopted.at(-1)?.[0]).toMatchObject({
        eventId: deliveries[0]?.eventId,
        body: deliveries[0]?.body,
        attemptCount: 0,
        secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        retryPreset: "standard",
      });
      // One event, one body, one webhook-id for every endpoint.
      expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
      expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(1);
      const body = JSON.parse(deliveries[0]?.body ?? "");
      expect(body).toEqual({
        id: deliveries[0]?.eventId,
        event: "registration.submitted",
        timestamp: contact.createdAt.toISOString(),
        data: {
          contactId: id,
          email: "visitor@example.com",
          name: "Visitor One",
          phone: null,
          consent: null,
          funnel: {
            projectId: account.projectId,
            projectName: "Spring launch",
            pageId: account.pageId,
            pageUrl: "https://funnel.example.com/spring?utm_source=newsletter",
          },
          visitor: { id: "v_123", userAgent: "test-browser/1.0", referrer: "https://news.example.com/" },
          utm: { source: "newsletter", medium: "email", campaign: "spring", term: null, content: null },
          landingPage: null,
          firstTouch: null,
          fields: { company: "Acme", seats: 5 },
        },
      });
    });

    test("without a reserved slot, deliveries are left claimable by any poller and never adopted", async () => {
      leasing = false;
      const adoptedBefore = adopted.length;
      try {
        const response = await post(registrationBody(account, { email: "unleased@example.com" }));
        const { id } = (await response.json()) as { id: string };
        const deliveries = await db.prisma.webhookDelivery.findMany({ where: { contactId: id } });
        expect(deliveries).toHaveLength(2);
        for (const d of deliveries) {
          expect(d.lockedBy).toBeNull();
          expect(d.lockedUntil).toBeNull();
        }
        // Running them here would send them beside the poller that may claim them (issue 8's duplicates).
        expect(adopted).toHaveLength(adoptedBefore);
      } finally {
        leasing = true;
      }
    });

    test("a repeated Idempotency-Key returns the first answer and creates nothing new", async () => {
      const headers = { "idempotency-key": `submit-${mode}-1` };
      const first = await post(registrationBody(account, { email: "once@example.com" }), headers);
      const again = await post(registrationBody(account, { email: "once@example.com" }), headers);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await again.json()).toEqual(await first.json());
      expect(await db.prisma.contact.count({ where: { email: "once@example.com" } })).toBe(1);
    });

    test("concurrent repeats of one Idempotency-Key store one contact", async () => {
      const headers = { "idempotency-key": `submit-${mode}-race` };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          post(registrationBody(account, { email: "race@example.com" }), headers),
        ),
      );
      const ids = new Set(
        await Promise.all(answers.map(async (a) => ((await a.json()) as { id: string }).id)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
      expect(ids.size).toBe(1);
      expect(await db.prisma.contact.count({ where: { email: "race@example.com" } })).toBe(1);
      expect(await db.prisma.webhookDelivery.count({ where: { contactId: [...ids][0] } })).toBe(2);
    });

    test("a filled honeypot looks like a success and stores nothing", async () => {
      const response = await post(
        registrationBody(account, { email: "bot@example.com", _hp: "http://spam" }),
      );
      expect(response.status).toBe(201);
      expect(await db.prisma.contact.count({ where: { email: "bot@example.com" } })).toBe(0);
    });

    test("an unknown or disabled project is a 404 that says so", async () => {
      const unknown = await post(registrationBody(account, { projectId: crypto.randomUUID() }));
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: "project_not_found" });

      const other = await seedAccount(db.prisma);
      await db.prisma.funnelProject.update({ where: { id: other.projectId }, data: { enabled: false } });
      const disabled = await post(registrationBody(other, { pageId: undefined }));
      expect(disabled.status).toBe(404);
    });

    test("a page of another project is a 404", async () => {
      const other = await seedAccount(db.prisma);
      const response = await post(registrationBody(account, { pageId: other.pageId }));
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: "page_not_found" });
    });

    test("a browser origin outside the project's allow-list is refused and nothing is stored", async () => {
      const guarded = await seedAccount(db.prisma, { allowedOrigins: ["https://funnel.example.com"] });
      const refused = await post(registrationBody(guarded, { email: "cors@example.com" }), {
        origin: "https://evil.example.net",
      });
      expect(refused.status).toBe(403);
      expect(await db.prisma.contact.count({ where: { email: "cors@example.com" } })).toBe(0);
      const allowed = await post(registrationBody(guarded, { email: "cors@example.com" }), {
        origin: "https://funnel.example.com",
      });
      expect(allowed.status).toBe(201);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://funnel.example.com");
    });

    test("answers a CORS preflight from any funnel page", async () => {
      const response = await fetch(`${url}/api/contacts`, {
        method: "OPTIONS",
        headers: {
          origin: "https://pages.example.org",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,idempotency-key",
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("https://pages.example.org");
    });
  });
}
