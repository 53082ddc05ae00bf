import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { toE164 } from "../src/intake/phone";
import { buildServer } from "../src/server";
import { openTestDatabase } from "./support/databases";
import { type SeededAccount, seedAccount } from "./support/fixtures";

/** Phones as people type them, and text that is not one: digits, separators, letters, controls. */
const typedPhone = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."0123456789 +-().ext#/x"), maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 45 }),
  fc.stringMatching(/^\+?[1-9][0-9 ()-]{6,18}$/),
);
const E164 = /^\+[1-9][0-9]{1,14}$/;

describe("phone numbers from anyone", () => {
  test("toE164 answers E.164 or null for any text and any country code, and never throws", () => {
    fc.assert(
      fc.property(typedPhone, fc.option(fc.stringMatching(/^[A-Z]{2}$/), { nil: null }), (text, country) => {
        const phone = toE164(text, country);
        expect(phone === null || E164.test(phone)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test("E.164 is a fixed point: a stored number reads back as itself, whatever the default country", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\+[1-9][0-9]{6,14}$/),
        fc.constantFrom("US", "GB", "DE", null),
        (text, c) => {
          const phone = toE164(text, null);
          if (phone !== null) expect(toE164(phone, c)).toBe(phone);
        },
      ),
      { numRuns: 1000 },
    );
  });

  // Over HTTP on the embedded database: every answer is a 201 with E.164 stored, or a 400 naming the
  // phone (or the text rule of another field) with nothing stored; never a 500.
  describe("through the intake", () => {
    let db: Database;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let url: string;
    let account: SeededAccount;
    beforeAll(async () => {
      db = await openTestDatabase("pglite");
      app = await buildServer({ db, intake: { perClientPerMinute: 1e9, perProjectPerMinute: 1e9 } });
      url = await app.listen({ port: 0, host: "127.0.0.1" });
      account = await seedAccount(db.prisma);
      await db.prisma.funnelProject.update({
        where: { id: account.projectId },
        data: { defaultCountry: "DE" },
      });
    });
    afterAll(async () => {
      await app?.close();
      await db?.close();
    });

    test("any phone and consent text: 201 with E.164 stored, or a 400 that names the field", async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          typedPhone,
          fc.string({ unit: "binary", maxLength: 60 }),
          async (phone, consentText) => {
            runs++;
            const email = `p${runs}@example.com`;
            const response = await fetch(`${url}/api/contacts`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                projectId: account.projectId,
                email,
                phone,
                consent: { text: consentText, given: true },
              }),
            });
            const stored = await db.prisma.contact.findFirst({ where: { email }, select: { phone: true } });
            if (response.status === 201) {
              expect(stored?.phone === null || E164.test(stored?.phone ?? "")).toBe(true);
              if (phone.trim() !== "") expect(stored?.phone).toBe(toE164(phone.trim(), "DE"));
            } else {
              expect(response.status).toBe(400);
              const { fieldErrors } = (await response.json()) as { fieldErrors: Record<string, string[]> };
              expect(
                Object.keys(fieldErrors).every((key) => key === "phone" || key.startsWith("consent.")),
              ).toBe(true);
              expect(stored).toBeNull();
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
