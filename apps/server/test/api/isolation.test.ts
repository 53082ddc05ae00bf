import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { appRouter } from "../../src/routers/_app";
import { createApiKey } from "../../src/services/api-keys";
import {
  type Activity,
  type ApiCaller,
  createApiHarness,
  createOwner,
  SEEDED_SECRETS,
  seedActivity,
} from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

const DAY = 86_400_000;
const range = () => ({
  from: new Date(Date.now() - DAY).toISOString(),
  to: new Date(Date.now() + DAY).toISOString(),
});

/**
 * Every procedure, called with account A's ids. `byId`: the call names one of A's records, so anyone
 * else gets NOT_FOUND. `scoped`: the call names nothing, so anyone else gets an answer about their own
 * account only.
 */
type Case = { kind: "byId" | "scoped"; call: (api: ApiCaller, a: Activity) => Promise<unknown> };
const byId = (call: Case["call"]): Case => ({ kind: "byId", call });
const scoped = (call: Case["call"]): Case => ({ kind: "scoped", call });

const CASES: Record<string, Case> = {
  "account.me": scoped((api) => api.account.me()),
  "endpoints.list": scoped((api) => api.endpoints.list()),
  "endpoints.health": scoped((api) => api.endpoints.health()),
  "endpoints.byId": byId((api, a) => api.endpoints.byId({ id: a.endpointId })),
  "endpoints.create": scoped((api) => api.endpoints.create({ url: "https://crm.example.com/new" })),
  "endpoints.update": byId((api, a) =>
    api.endpoints.update({ id: a.endpointId, name: "renamed", enabled: false }),
  ),
  "endpoints.rotateSecret": byId((api, a) => api.endpoints.rotateSecret({ id: a.endpointId })),
  "endpoints.delete": byId((api, a) => api.endpoints.delete({ id: a.endpointId })),
  "funnels.list": scoped((api) => api.funnels.list()),
  "funnels.byId": byId((api, a) => api.funnels.byId({ id: a.projectId })),
  "funnels.create": scoped((api) => api.funnels.create({ name: "New" })),
  "funnels.update": byId((api, a) => api.funnels.update({ id: a.projectId, name: "Renamed" })),
  "funnels.delete": byId((api, a) => api.funnels.delete({ id: a.projectId })),
  "funnels.pages.create": byId((api, a) => api.funnels.pages.create({ projectId: a.projectId, name: "P" })),
  "funnels.pages.update": byId((api, a) => api.funnels.pages.update({ id: a.pageId, name: "Renamed" })),
  "funnels.pages.delete": byId((api, a) => api.funnels.pages.delete({ id: a.pageId })),
  "logs.list": scoped((api) => api.logs.list({})),
  "logs.byId": byId((api, a) => api.logs.byId({ id: a.logIds[0] ?? "" })),
  "deliveries.list": scoped((api) => api.deliveries.list({})),
  "deliveries.byId": byId((api, a) => api.deliveries.byId({ id: a.deliveryIds.failed })),
  "deliveries.redeliver": byId((api, a) => api.deliveries.redeliver({ id: a.deliveryIds.failed })),
  "deliveries.redeliverFailed": scoped((api) => api.deliveries.redeliverFailed(range())),
  "deliveries.cancel": byId((api, a) => api.deliveries.cancel({ id: a.deliveryIds.pending })),
  "contacts.list": scoped((api) => api.contacts.list({})),
  "contacts.byId": byId((api, a) => api.contacts.byId({ id: a.contactId })),
  "contacts.export": byId((api, a) => api.contacts.export({ id: a.contactId })),
  "contacts.delete": byId((api, a) => api.contacts.delete({ id: a.contactId })),
  // Erases the caller's own contacts with that email: another account's, none.
  "contacts.deleteByEmail": scoped((api, a) => api.contacts.deleteByEmail({ email: a.contactEmail })),
  // Seeded owners have no password, so the confirmation always fails: what matters is who is asked.
  "account.delete": scoped((api) =>
    api.account.delete({ password: "not-the-password" }).catch((error: TRPCError) => {
      if (error.code !== "BAD_REQUEST") throw error;
      return { refused: error.message };
    }),
  ),
  // A stream of the caller's own account: it opens, and is closed at once.
  "live.deliveries": scoped(async (api) => {
    const stream = await api.live.deliveries();
    await stream[Symbol.asyncIterator]().return?.(undefined);
    return { opened: true };
  }),
  "account.mailSettings": scoped((api) => api.account.mailSettings()),
  "account.updateAlerts": scoped((api) => api.account.updateAlerts({ failing: false })),
  // Mail is off in this harness: the answer is a refusal either way, about the caller's own account.
  "account.changeEmail": scoped((api) =>
    api.account
      .changeEmail({ password: "not-the-password", newEmail: "new@example.com" })
      .catch((error: TRPCError) => {
        if (error.code !== "PRECONDITION_FAILED") throw error;
        return { refused: error.message };
      }),
  ),
  "apiKeys.list": scoped((api) => api.apiKeys.list()),
  "apiKeys.create": scoped((api) => api.apiKeys.create({ name: "New", scope: "read" })),
  "apiKeys.revoke": byId((api, a) => api.apiKeys.revoke({ id: a.apiKeyId })),
  "stats.overview": scoped((api) => api.stats.overview({ ...range(), bucket: "hour" })),
  "webhooks.sendTest": byId((api, a) => api.webhooks.sendTest({ endpointId: a.endpointId })),
};

/**
 * Deletes last, so the walk sees everything before it goes: a page and a contact before their
 * project (which takes them with it), erasure by email after erasure by id.
 */
const rank = (path: string) => {
  if (path === "contacts.deleteByEmail") return 3;
  if (path === "funnels.pages.delete" || path === "contacts.delete") return 1;
  return path.endsWith("delete") ? 2 : 0;
};
const ORDERED = Object.entries(CASES).sort(([a], [b]) => rank(a) - rank(b));

/** The procedures an API key may never call: the account, its password and its keys. */
const isSessionOnly = (path: string) => path.startsWith("account.") || path.startsWith("apiKeys.");
/** A well-formed key that was never issued. */
const UNKNOWN_KEY = `gk_${"0".repeat(24)}_${"A".repeat(43)}`;

/** Public procedures: they answer about the server, never an account. */
const PUBLIC = new Set(["system.health", "account.mailAvailable"]);

test("every procedure but the public ones (health, whether mail works) has an isolation case", () => {
  const procedures = Object.keys(appRouter._def.procedures).filter((path) => !PUBLIC.has(path));
  expect(procedures.sort()).toEqual(Object.keys(CASES).sort());
});

for (const mode of DATABASE_MODES) {
  // Every case twice: as the dashboard calls (session cookie), and as a script does (API key).
  for (const credential of ["session", "API key"] as const) {
    describe.skipIf(!isModeAvailable(mode))(`account isolation on ${mode} with ${credential}`, () => {
      let db: Database;
      let harness: ReturnType<typeof createApiHarness>;
      let aliceId: string;
      let alice: Activity;
      let bob: ApiCaller;
      let anonymous: ApiCaller;
      let aliceOwner: ApiCaller;
      let aliceBefore: unknown;
      const byKey = credential === "API key";
      /** As `userId`: signed in, or with a new write key of theirs. */
      const callerOf = async (userId: string) =>
        byKey
          ? harness.withKey((await createApiKey(db, userId, { name: "script", scope: "write" })).key)
          : harness.as(userId);

      /** Everything of Alice's that a call by someone else could have changed. */
      const snapshot = async () => {
        const { prisma } = db;
        const where = { userId: aliceId };
        return {
          endpoints: await prisma.webhookEndpoint.findMany({ where, orderBy: { id: "asc" } }),
          projects: await prisma.funnelProject.findMany({
            where,
            include: { pages: true },
            orderBy: { id: "asc" },
          }),
          deliveries: await prisma.webhookDelivery.findMany({ where, orderBy: { id: "asc" } }),
          apiKeys: await prisma.apiKey.findMany({ where, orderBy: { id: "asc" } }),
          logs: await prisma.webhookLog.count({ where }),
        };
      };

      beforeAll(async () => {
        db = await openTestDatabase(mode);
        harness = createApiHarness(db);
        aliceId = await createOwner(db.prisma, "Alice");
        alice = await seedActivity(db.prisma, aliceId);
        const bobId = await createOwner(db.prisma, "Bob");
        await seedActivity(db.prisma, bobId);
        bob = await callerOf(bobId);
        aliceOwner = await callerOf(aliceId);
        anonymous = byKey ? await harness.withKey(UNKNOWN_KEY) : harness.as(null);
        aliceBefore = await snapshot();
      });
      afterAll(async () => {
        await harness?.close();
        await db?.close();
      });

      test.each(ORDERED)("%s refuses an anonymous caller with UNAUTHORIZED", async (_path, { call }) => {
        const error = await call(anonymous, alice).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TRPCError);
        expect((error as TRPCError).code).toBe("UNAUTHORIZED");
      });

      test.each(ORDERED)("%s gives another account nothing of account A", async (path, { kind, call }) => {
        if (byKey && isSessionOnly(path)) {
          const error = await call(bob, alice).catch((e: unknown) => e);
          expect((error as TRPCError).code).toBe("FORBIDDEN");
          expect((error as TRPCError).message).toMatch(/API keys cannot manage/);
        } else if (kind === "byId") {
          const error = await call(bob, alice).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(TRPCError);
          expect((error as TRPCError).code).toBe("NOT_FOUND");
          // The same answer as for an id that exists nowhere: nothing about A is disclosed.
          expect((error as TRPCError).message).toMatch(/ not found\.$/);
        } else {
          const text = JSON.stringify(await call(bob, alice));
          const contact = await db.prisma.contact.findUniqueOrThrow({ where: { id: alice.contactId } });
          for (const id of [
            aliceId,
            alice.endpointId,
            alice.projectId,
            alice.pageId,
            alice.contactId,
            contact.email,
            ...Object.values(alice.deliveryIds),
            ...alice.logIds,
          ]) {
            expect(text).not.toContain(id);
          }
        }
      });

      test("account A's data is unchanged after everything another account tried", async () => {
        expect(await snapshot()).toEqual(aliceBefore);
      });

      test("no response contains a full secret or header value, except create and rotate", async () => {
        const activity = await seedActivity(db.prisma, aliceId);
        const secrets = new Set(Object.values(SEEDED_SECRETS));
        const outputs: [string, string][] = [];
        const cases = ORDERED.filter(([path]) => !(byKey && isSessionOnly(path)));
        for (const [path, { call }] of cases) {
          const output = await call(aliceOwner, activity);
          const text = JSON.stringify(output);
          if (path === "apiKeys.create") {
            const { key } = output as { key: string };
            expect(key).toMatch(/^gk_/);
            secrets.add(key);
          } else if (path === "endpoints.create" || path === "endpoints.rotateSecret") {
            // The one place a secret is shown: remember it, it must not appear anywhere after this.
            const { secret } = output as { secret: string };
            expect(secret).toMatch(/^whsec_/);
            expect(text).toContain(secret);
            secrets.add(secret);
          } else {
            outputs.push([path, text]);
          }
        }
        expect(outputs.length).toBe(cases.length - (byKey ? 2 : 3));
        for (const [path, text] of outputs) {
          for (const secret of secrets) expect(text, `${path} leaks a secret`).not.toContain(secret);
          // Whatever was rotated out or created along the way: no whsec_ key in full anywhere.
          expect(text, `${path} leaks a whsec_ key`).not.toMatch(/whsec_[A-Za-z0-9+/=]{20,}/);
          expect(text, `${path} leaks an API key`).not.toMatch(/gk_[0-9a-f]{24}_[A-Za-z0-9_-]{20,}/);
        }
      });
    });
  }
}
