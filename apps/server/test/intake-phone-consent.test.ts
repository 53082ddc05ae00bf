import { flatRegistrationWebhookSchema, registrationWebhookSchema } from "@genie/schemas";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { buildServer } from "../src/server";
import { contactsCsv } from "../src/services/contacts";
import { type ApiCaller, createApiHarness } from "./support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { type SeededAccount, seedAccount } from "./support/fixtures";
import { sdkRegistrationBody } from "./support/sdk-registration";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(
    `phone, consent and attribution from intake to webhook on ${mode}`,
    () => {
      let db: Database;
      let app: Awaited<ReturnType<typeof buildServer>>;
      let url: string;
      let account: SeededAccount;
      let harness: ReturnType<typeof createApiHarness>;
      let owner: ApiCaller;

      beforeAll(async () => {
        db = await openTestDatabase(mode);
        app = await buildServer({ db, intake: { perClientPerMinute: 10_000, projectCacheMs: 0 } });
        url = await app.listen({ port: 0, host: "127.0.0.1" });
        account = await seedAccount(db.prisma, {
          endpointUrls: ["http://127.0.0.1:9/nested", "http://127.0.0.1:9/flat"],
        });
        await db.prisma.webhookEndpoint.update({
          where: { id: account.endpointIds[1] },
          data: { payloadFormat: "flat" },
        });
        harness = createApiHarness(db);
        owner = harness.as(account.userId);
        await owner.funnels.update({ id: account.projectId, defaultCountry: "us" });
      });
      afterAll(async () => {
        await harness?.close();
        await app?.close();
        await db?.close();
      });

      const post = (body: unknown) =>
        fetch(`${url}/api/contacts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });

      test("the project's default country is kept upper-case and read back by funnels.byId", async () => {
        expect((await owner.funnels.byId({ id: account.projectId })).defaultCountry).toBe("US");
      });

      test("a country libphonenumber does not know is refused with a field error", async () => {
        const refused = owner.funnels.update({ id: account.projectId, defaultCountry: "ZZ" });
        await expect(refused).rejects.toMatchObject({ code: "BAD_REQUEST" });
        await expect(owner.funnels.create({ name: "x", defaultCountry: "USA" })).rejects.toMatchObject({
          code: "BAD_REQUEST",
        });
        expect((await owner.funnels.byId({ id: account.projectId })).defaultCountry).toBe("US");
      });

      test("an SDK registration is stored and sent with phone in E.164, consent, first touch and landing page", async () => {
        const input = sdkRegistrationBody(account, { email: "full@example.com" });
        const response = await post(input);
        expect(response.status, await response.clone().text()).toBe(201);
        const { id } = (await response.json()) as { id: string };

        const deliveries = await db.prisma.webhookDelivery.findMany({
          where: { contactId: id },
          select: { body: true, endpointId: true },
        });
        const nestedBody = deliveries.find((d) => d.endpointId === account.endpointIds[0])?.body ?? "";
        const flatBody = deliveries.find((d) => d.endpointId === account.endpointIds[1])?.body ?? "";
        const nested = registrationWebhookSchema.parse(JSON.parse(nestedBody));
        expect(nested.data).toMatchObject({
          phone: "+14155550132",
          consent: { given: true, text: input.consent?.text, at: "2026-12-02T09:15:00.000Z" },
          landingPage: input.landingPage,
          firstTouch: {
            utm: {
              source: "newsletter",
              medium: "email",
              campaign: "november_digest",
              term: null,
              content: null,
            },
            landingPage: input.firstTouch?.landingPage,
            referrer: "https://mail.example.com/",
            at: "2026-11-20T18:02:11.000Z",
          },
          utm: { source: "google", medium: "cpc", campaign: "spring_launch", term: "webinar signup" },
          fields: { company: "Acme", seats: 5, gclid: "EAIaIQobChMI8_example" },
        });
        const flat = flatRegistrationWebhookSchema.parse(JSON.parse(flatBody));
        expect(flat).toMatchObject({
          phone: "+14155550132",
          consent_given: true,
          consent_text: input.consent?.text,
          consent_at: "2026-12-02T09:15:00.000Z",
          landing_page: input.landingPage,
          first_touch_utm_source: "newsletter",
          first_touch_utm_campaign: "november_digest",
          first_touch_utm_term: null,
          first_touch_landing_page: input.firstTouch?.landingPage,
          first_touch_referrer: "https://mail.example.com/",
          first_touch_at: "2026-11-20T18:02:11.000Z",
          field_gclid: "EAIaIQobChMI8_example",
        });

        const listed = await owner.contacts.list({ search: "full@example.com" });
        // The procedures' output validators (contactSchema, contactExportSchema) have passed these.
        expect(listed.items[0]).toMatchObject({
          phone: "+14155550132",
          consent: nested.data.consent,
          firstTouch: nested.data.firstTouch,
          landingPage: input.landingPage,
        });
        const exported = await owner.contacts.export({ id });
        expect(exported.contact).toMatchObject({ phone: "+14155550132", consent: nested.data.consent });
        expect(exported.contact.firstTouch).toEqual(nested.data.firstTouch);

        const csv: string[] = [];
        for await (const chunk of contactsCsv(db, account.userId, { search: "full@example.com" }))
          csv.push(chunk);
        const [header, row] = csv.join("").trim().split("\r\n");
        const cells = Object.fromEntries(
          (header ?? "").split(",").map((name, i) => [name, splitCsvLine(row ?? "")[i]]),
        );
        expect(cells).toMatchObject({
          phone: "'+14155550132",
          consent_given: "true",
          consent_text: input.consent?.text,
          consent_at: "2026-12-02T09:15:00.000Z",
          first_touch_utm_source: "newsletter",
          first_touch_landing_page: input.firstTouch?.landingPage,
          first_touch_at: "2026-11-20T18:02:11.000Z",
        });
      });

      test("without a phone or consent, both are null everywhere; consent without a time gets the time of receipt", async () => {
        const before = Date.now();
        const response = await post({
          projectId: account.projectId,
          email: "plain@example.com",
          consent: { text: "Yes, email me.", given: false },
        });
        expect(response.status).toBe(201);
        const { items } = await owner.contacts.list({ search: "plain@example.com" });
        expect(items[0]).toMatchObject({ phone: null, firstTouch: null, landingPage: null });
        expect(items[0]?.consent).toMatchObject({ given: false, text: "Yes, email me." });
        expect(Date.parse(items[0]?.consent?.at ?? "")).toBeGreaterThanOrEqual(before - 1000);
      });

      test.each([
        ["+44 20 7946 0018", "+442079460018", null],
        ["415.555.0132", "+14155550132", null],
        [
          "not a number",
          null,
          "must be a phone number: a US number, or one starting with + and the country code",
        ],
        ["12", null, "must be a phone number: a US number, or one starting with + and the country code"],
      ])(
        "with the project's country US, the phone %j is stored as %j (null: refused)",
        async (typed, e164, message) => {
          const email = `phone-${Math.random().toString(36).slice(2)}@example.com`;
          const response = await post({ projectId: account.projectId, email, phone: typed });
          if (e164 === null) {
            expect(response.status).toBe(400);
            expect(await response.json()).toMatchObject({
              error: "validation_failed",
              fieldErrors: { phone: [message] },
            });
            expect(await db.prisma.contact.count({ where: { email } })).toBe(0);
          } else {
            expect(response.status).toBe(201);
            expect((await db.prisma.contact.findFirstOrThrow({ where: { email } })).phone).toBe(e164);
          }
        },
      );

      test("a project without a default country reads international numbers only, and says so", async () => {
        const other = await seedAccount(db.prisma);
        const national = await post({
          projectId: other.projectId,
          email: "n@example.com",
          phone: "(415) 555-0132",
        });
        expect(national.status).toBe(400);
        expect(await national.json()).toMatchObject({
          fieldErrors: {
            phone: ["must be a phone number: an international number starting with + and the country code"],
          },
        });
        const international = await post({
          projectId: other.projectId,
          email: "i@example.com",
          phone: "+1 415 555 0132",
        });
        expect(international.status).toBe(201);
      });

      test("consent must say what was agreed to and whether it was checked", async () => {
        const response = await post({
          projectId: account.projectId,
          email: "c@example.com",
          consent: { given: "yes" },
        });
        expect(response.status).toBe(400);
        const { fieldErrors } = (await response.json()) as { fieldErrors: Record<string, string[]> };
        expect(Object.keys(fieldErrors).sort()).toEqual(["consent.given", "consent.text"]);
      });
    },
  );
}

/** One CSV line's cells (RFC 4180 quotes). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      cells.push(cell);
      cell = "";
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}
