import { type RegistrationWebhook, registrationSchema } from "@genie/schemas";
import { verifyWebhook } from "@genie/webhook-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { deliveryBodies } from "../src/services/delivery-bodies";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { type SeededAccount, seedAccount } from "./support/fixtures";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { waitFor } from "./support/receiver";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Per database; each run is a real request, a real delivery and a real receipt. */
const RUNS = 60;

/** Characters that have broken text handling somewhere: controls, lone surrogates, astral, bidi, BOM. */
const hostileChar = fc.constantFrom(
  "\u0000",
  "\u0001",
  "\u0008",
  "\u000b",
  "\u001f",
  "\u007f",
  "\u0085",
  "\ud800",
  "\udfff",
  "\t",
  "\n",
  "\r",
  "😀",
  "\u202e",
  "\ufeff",
  "\u00a0",
  "é",
  '"',
  "\\",
  "'",
  "<",
  " ",
);
const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc
    .array(fc.oneof(hostileChar, fc.string({ maxLength: 3 })), { maxLength: 24 })
    .map((parts) => parts.join("")),
  // Past the limits (200 for a name, 500 for UTM values, 2000 for a custom field).
  fc.string({ unit: "grapheme-ascii", minLength: 150, maxLength: 2100 }),
);

/**
 * Mostly any well-formed text (every script, emoji, spaces), sometimes hostile: so that a good share
 * of registrations is accepted and the delivery half of the property is exercised too.
 */
const fieldString = fc.oneof(
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }), weight: 6 },
  { arbitrary: hostileString, weight: 1 },
);

/** Every text field of a registration, each absent, ordinary or hostile. */
const hostileRegistration = fc.record(
  {
    email: fc.oneof(
      { arbitrary: fc.constant("visitor@example.com"), weight: 8 },
      // RFC 5322 allows more than the email check takes (`a!b@x.y`): those are refused, fine.
      { arbitrary: fc.emailAddress(), weight: 1 },
      { arbitrary: hostileString, weight: 1 },
    ),
    name: fieldString,
    referrer: fieldString,
    visitorId: fieldString,
    pageUrl: fieldString.map((s) => `https://funnel.example.com/${s}`),
    utm: fc.record(
      {
        source: fieldString,
        medium: fieldString,
        campaign: fieldString,
        term: fieldString,
        content: fieldString,
      },
      { requiredKeys: [] },
    ),
    fields: fc.dictionary(
      fc.oneof(
        // Digit-only names too: JavaScript orders them before the others, jsonb by length.
        { arbitrary: fc.constantFrom("company", "note", "seats", "b", "a_long_name", "10", "2"), weight: 8 },
        { arbitrary: hostileString, weight: 1 },
      ),
      fc.oneof(
        { arbitrary: fieldString, weight: 4 },
        { arbitrary: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()), weight: 1 },
        { arbitrary: fc.constantFrom(true, false, null), weight: 1 },
      ),
      { maxKeys: 5 },
    ),
    consent: fc.record(
      {
        text: fieldString,
        given: fc.boolean(),
        at: fc
          .date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
          .map((d) => d.toISOString()),
      },
      { requiredKeys: ["text", "given"] },
    ),
    firstTouch: fc.record(
      {
        utm: fc.record({ source: fieldString, campaign: fieldString }, { requiredKeys: [] }),
        landingPage: fieldString.map((s) => `https://funnel.example.com/?${s}`),
        referrer: fieldString,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["email"] },
);
type HostileRegistration = typeof hostileRegistration extends fc.Arbitrary<infer T> ? T : never;

const trimmed = (value: string | undefined) => (value === undefined ? null : value.trim());

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`the intake with hostile strings on ${mode}`, () => {
    let db: Database;
    let pipeline: Pipeline;
    let apiUrl: string;
    let receiver: Pipeline["receiver"];
    let account: SeededAccount;

    beforeAll(async () => {
      pipeline = await startPipeline(mode);
      ({ db, receiver, url: apiUrl } = pipeline);
      account = await seedAccount(db.prisma, {
        endpointUrls: [receiver.url("/crm"), receiver.url("/crm-flat")],
        secret: SECRET,
      });
      await db.prisma.webhookEndpoint.update({
        where: { id: account.endpointIds[1] },
        data: { payloadFormat: "flat" },
      });
    });
    afterAll(async () => {
      await pipeline?.close();
    });

    /**
     * The 201 path: stored, delivered once to each endpoint (one nested, one flat), logged once,
     * verifiable, byte-faithful to the input, and the body shown afterwards (rebuilt from the contact:
     * a finished delivery keeps none) is byte for byte the one the receiver got.
     */
    async function checkAccepted(input: HostileRegistration, contactId: string) {
      const deliveries = await waitFor(async () => {
        const rows = await db.prisma.webhookDelivery.findMany({ where: { contactId } });
        return rows.length === 2 && rows.every((d) => d.status !== "pending") ? rows : undefined;
      });
      const bodies = await deliveryBodies(
        db.sql,
        account.userId,
        deliveries.map((d) => d.id),
      );
      for (const delivery of deliveries) {
        expect(delivery).toMatchObject({ status: "succeeded", body: null });
        expect(await db.prisma.webhookLog.count({ where: { deliveryId: delivery.id } })).toBe(1);
        const body = bodies.get(delivery.id);
        expect(receiver.received.filter((r) => r.body === body)).toHaveLength(1);
      }
      const nested = deliveries.find((d) => d.payloadFormat === "nested");
      const received = receiver.received.filter((r) => r.body === bodies.get(nested?.id ?? ""));
      const request = received[0] as (typeof received)[number];
      verifyWebhook(request.body, request.headers as Record<string, string>, { secrets: SECRET });

      const { data } = JSON.parse(request.body) as RegistrationWebhook;
      expect(data.contactId).toBe(contactId);
      expect(data.email).toBe(input.email);
      expect(data.name).toBe(trimmed(input.name));
      expect(data.visitor.referrer).toBe(trimmed(input.referrer));
      expect(data.visitor.id).toBe(trimmed(input.visitorId));
      // URLs are cleaned as browsers clean them (surrounding spaces, tabs and newlines dropped).
      const pageUrl = input.pageUrl && registrationSchema.shape.pageUrl.parse(input.pageUrl);
      expect(data.funnel.pageUrl).toBe(pageUrl ?? "https://funnel.example.com/spring");
      for (const key of ["source", "medium", "campaign", "term", "content"] as const) {
        expect(data.utm[key]).toBe(trimmed(input.utm?.[key]));
      }
      expect(data.fields).toEqual(
        Object.fromEntries(
          Object.entries(input.fields ?? {}).map(([k, v]) => [k, typeof v === "string" ? v.trim() : v]),
        ),
      );
      const contact = await db.prisma.contact.findUniqueOrThrow({ where: { id: contactId } });
      expect([contact.email, contact.name, contact.referrer]).toEqual([
        data.email,
        data.name,
        data.visitor.referrer,
      ]);
    }

    test("each registration is either stored and delivered once, verifiably and byte-faithfully, or refused with a 4xx that names a field and stores nothing", async () => {
      const outcomes = { accepted: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(hostileRegistration, async (input) => {
          const before = await db.prisma.contact.count({ where: { userId: account.userId } });
          const response = await fetch(`${apiUrl}/api/contacts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ ...input, projectId: account.projectId, pageId: account.pageId }),
          });
          const answer = (await response.json()) as { id?: string; error?: string; fieldErrors?: object };
          if (response.status === 201) {
            await checkAccepted(input, answer.id as string);
            outcomes.accepted++;
            return;
          }
          outcomes.refused++;
          expect(response.status).toBe(400);
          // A `__proto__` key is refused by the JSON parser itself, before validation.
          expect(answer.error).toMatch(/^(validation_failed|invalid_json)$/);
          if (answer.error === "validation_failed") {
            expect(Object.keys(answer.fieldErrors ?? {}).length).toBeGreaterThan(0);
          }
          expect(await db.prisma.contact.count({ where: { userId: account.userId } })).toBe(before);
        }),
        { numRuns: RUNS },
      );
      // Both halves of the property were exercised, not only the refusals.
      expect(outcomes.accepted).toBeGreaterThanOrEqual(RUNS / 10);
      expect(outcomes.refused).toBeGreaterThanOrEqual(RUNS / 10);
    }, 240_000);

    test("a text field holding a lone surrogate or a control character is refused under its dotted path", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ name: "Ann \ud800" }, "name"],
        [{ name: "Bob\u0000" }, "name"],
        [{ utm: { source: "news\u0007letter" } }, "utm.source"],
        [{ fields: { company: "Acme\udc00" } }, "fields.company"],
        [{ referrer: "https://a.example/\u0000" }, "referrer"],
      ];
      for (const [overrides, field] of cases) {
        const response = await fetch(`${apiUrl}/api/contacts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "x@example.com", projectId: account.projectId, ...overrides }),
        });
        expect(response.status).toBe(400);
        const answer = (await response.json()) as { fieldErrors: Record<string, string[]> };
        expect(Object.keys(answer.fieldErrors)).toEqual([field]);
        const [message] = answer.fieldErrors[field] ?? [];
        expect(message).toMatch(/control characters|valid Unicode/);
      }
    });

    test("a body that is not valid UTF-8 is refused as invalid_json and stores nothing", async () => {
      const before = await db.prisma.contact.count();
      const json = Buffer.from(
        `{"email":"bob@example.com","name":"Bob X","projectId":"${account.projectId}"}`,
      );
      const at = json.indexOf("X");
      json[at] = 0xff;
      const response = await fetch(`${apiUrl}/api/contacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: json,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: "invalid_json",
        message: expect.stringContaining("UTF-8"),
      });
      expect(await db.prisma.contact.count()).toBe(before);
    });
  });
}
