import { randomUUID } from "node:crypto";
import { registrationSchema } from "@genie/schemas";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database, SqlRunner } from "../src/db";
import { findEnabledProject, prepareRegistration, type RegistrationMeta } from "../src/intake/accept";
import { createRegistrationWriter } from "../src/intake/group-commit";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { registrationBody, type SeededAccount, seedAccount } from "./support/fixtures";

const META: RegistrationMeta = { lease: null, userAgent: null, idempotencyKey: null, origin: null };

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`group commit of registrations on ${mode}`, () => {
    let db: Database;
    let account: SeededAccount;
    /** The sizes of the intake statements run through `sql`, in order. */
    let batchSizes: number[];
    let sql: SqlRunner;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      account = await seedAccount(db.prisma, {
        endpointUrls: ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"],
      });
      sql = {
        ...db.sql,
        query: (text, params) => {
          if (text.includes("unnest(")) batchSizes.push((params?.[0] as unknown[] | undefined)?.length ?? 0);
          return db.sql.query(text, params);
        },
      };
    });
    afterAll(async () => {
      await db?.close();
    });

    const prepare = async (overrides: Record<string, unknown> = {}, meta: Partial<RegistrationMeta> = {}) => {
      const registration = registrationSchema.parse(registrationBody(account, overrides));
      const project = await findEnabledProject(db.sql, account.projectId, account.pageId);
      return prepareRegistration(registration, project, { ...META, ...meta });
    };

    test("registrations arriving while a statement runs are stored together by the next one", async () => {
      batchSizes = [];
      const writer = createRegistrationWriter(sql, { maxConcurrent: 1 });
      const prepared = await Promise.all(
        [1, 2, 3, 4, 5].map((n) => prepare({ email: `batch${n}@example.com` })),
      );
      const answers = await Promise.all(prepared.map((p) => writer.write(p)));

      expect(batchSizes).toEqual([1, 4]);
      expect(answers.map((a) => a.contactId)).toEqual(prepared.map((p) => p.contactId));
      for (const answer of answers) {
        expect(answer.replayed).toBe(false);
        expect(answer.deliveries.map((d) => d.endpointId).sort()).toEqual([...account.endpointIds].sort());
      }
      const contacts = await db.prisma.contact.findMany({
        where: { id: { in: answers.map((a) => a.contactId) } },
        include: { deliveries: true },
      });
      expect(contacts.map((c) => c.email).sort()).toEqual(
        [1, 2, 3, 4, 5].map((n) => `batch${n}@example.com`),
      );
      // Each contact's outbox rows carry its own event and body, not a neighbour's.
      for (const contact of contacts) {
        const own = prepared.find((p) => p.contactId === contact.id);
        expect(contact.deliveries).toHaveLength(2);
        for (const delivery of contact.deliveries) {
          expect(delivery.eventId).toBe(own?.eventId);
          expect(JSON.parse(delivery.body ?? "null").data.email).toBe(contact.email);
        }
      }
    });

    test("one row the database refuses fails alone; the rest of its batch is stored", async () => {
      batchSizes = [];
      const writer = createRegistrationWriter(sql, { maxConcurrent: 1 });
      const good = await Promise.all([1, 2, 3].map((n) => prepare({ email: `mixed${n}@example.com` })));
      // A page that no longer exists (deleted after the project was looked up): a foreign-key error.
      const bad = { ...(await prepare({ email: "orphan@example.com" })), pageId: randomUUID() };
      const order = [good[0], bad, good[1], good[2]].filter((p) => p !== undefined);
      const results = await Promise.all(
        order.map((p) =>
          writer.write(p).then(
            (a) => a.contactId,
            (error: Error) => error,
          ),
        ),
      );

      expect(batchSizes.slice(0, 2)).toEqual([1, 3]);
      expect(results[1]).toBeInstanceOf(Error);
      expect([results[0], results[2], results[3]]).toEqual(good.map((p) => p.contactId));
      expect(await db.prisma.contact.count({ where: { email: { startsWith: "mixed" } } })).toBe(3);
      expect(await db.prisma.contact.count({ where: { email: "orphan@example.com" } })).toBe(0);
      expect(await db.prisma.webhookDelivery.count({ where: { eventId: bad.eventId } })).toBe(0);
    });

    test("the same Idempotency-Key twice in one batch stores one contact and answers both with it", async () => {
      batchSizes = [];
      const writer = createRegistrationWriter(sql, { maxConcurrent: 1 });
      const key = `key-${randomUUID()}`;
      const opener = await prepare({ email: "opener@example.com" });
      const twins = await Promise.all(
        [1, 2].map(() => prepare({ email: "twin@example.com" }, { idempotencyKey: key })),
      );
      const answers = await Promise.all([opener, ...twins].map((p) => writer.write(p)));

      expect(batchSizes).toEqual([1, 2]);
      expect(answers[1]?.contactId).toBe(answers[2]?.contactId);
      expect(
        answers
          .slice(1)
          .map((a) => a.replayed)
          .sort(),
      ).toEqual([false, true]);
      expect(await db.prisma.contact.count({ where: { idempotencyKey: key } })).toBe(1);
      const stored = await db.prisma.contact.findFirstOrThrow({ where: { idempotencyKey: key } });
      expect(await db.prisma.webhookDelivery.count({ where: { contactId: stored.id } })).toBe(2);
    });
  });
}
