import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { type ApiCaller, createApiHarness, createOwner } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";
import { openedEndpoint } from "../support/fixtures";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`endpoints (settings) on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let alice: ApiCaller;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
      alice = harness.as(await createOwner(db.prisma, "Alice"));
    });
    afterAll(async () => {
      await harness?.close();
      await db?.close();
    });

    test("create returns a whsec_ secret once, and list shows only a hint of it", async () => {
      const created = await alice.endpoints.create({ url: "https://crm.example.com/hook", crm: "zapier" });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(created.endpoint.secretHint).toBe(`whsec_…${created.secret.slice(-4)}`);
      const listed = await alice.endpoints.list();
      expect(listed.map((e) => e.id)).toContain(created.endpoint.id);
      expect(JSON.stringify(listed)).not.toContain(created.secret);
      const raw = await db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.endpoint.id } });
      expect(raw.secret).toMatch(/^enc:v1:/);
      expect((await openedEndpoint(db.prisma, created.endpoint.id)).secret).toBe(created.secret);
    });

    test("rotation returns a new secret and keeps the old one signing for the grace period", async () => {
      const { endpoint, secret: first } = await alice.endpoints.create({ url: "https://crm.example.com/r" });
      const rotated = await alice.endpoints.rotateSecret({ id: endpoint.id, graceHours: 2 });
      expect(rotated.secret).not.toBe(first);
      const expires = new Date(rotated.endpoint.previousSecretExpiresAt ?? 0).getTime();
      expect(expires - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
      expect(expires - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
      const stored = await openedEndpoint(db.prisma, endpoint.id);
      expect([stored.secret, stored.previousSecret]).toEqual([rotated.secret, first]);
    });

    test("two rotations at once both hand out a secret that signs", async () => {
      for (let round = 0; round < 5; round++) {
        const { endpoint } = await alice.endpoints.create({ url: `https://crm.example.com/race-${round}` });
        const answers = await Promise.all([
          alice.endpoints.rotateSecret({ id: endpoint.id, graceHours: 1 }),
          alice.endpoints.rotateSecret({ id: endpoint.id, graceHours: 1 }),
        ]);
        const stored = await openedEndpoint(db.prisma, endpoint.id);
        // One ran after the other: the later one's secret is current, the earlier one's still signs.
        expect([stored.secret, stored.previousSecret].sort()).toEqual(answers.map((a) => a.secret).sort());
      }
    });

    test("two header patches at once both apply", async () => {
      const { endpoint } = await alice.endpoints.create({ url: "https://crm.example.com/headers-race" });
      await Promise.all(
        ["x-first", "x-second", "x-third"].map((name) =>
          alice.endpoints.update({ id: endpoint.id, customHeaders: { [name]: `value-of-${name}` } }),
        ),
      );
      const stored = await openedEndpoint(db.prisma, endpoint.id);
      expect(stored.customHeaders).toEqual({
        "x-first": "value-of-x-first",
        "x-second": "value-of-x-second",
        "x-third": "value-of-x-third",
      });
    });

    test("custom headers are stored, masked in responses, and patched by name", async () => {
      const token = "Bearer 0123456789abcdefSECRET";
      const { endpoint } = await alice.endpoints.create({
        url: "https://hook.make.com/abc",
        crm: "make",
        customHeaders: { "x-make-apikey": "short-key", Authorization: token },
      });
      expect(endpoint.customHeaders).toEqual([
        { name: "Authorization", valueHint: "••••CRET" },
        { name: "x-make-apikey", valueHint: "••••" },
      ]);
      const updated = await alice.endpoints.update({
        id: endpoint.id,
        customHeaders: { "X-Make-ApiKey": null, "x-extra": "value-of-extra" },
      });
      expect(updated.endpoint.customHeaders.map((h) => h.name)).toEqual(["Authorization", "x-extra"]);
      const stored = await openedEndpoint(db.prisma, endpoint.id);
      expect(stored.customHeaders).toEqual({ Authorization: token, "x-extra": "value-of-extra" });
    });

    test("headers Genie sets itself cannot be overridden", async () => {
      await expect(
        alice.endpoints.create({
          url: "https://crm.example.com/h",
          customHeaders: { "Webhook-Signature": "x" },
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    });

    test.each([
      ["http://169.254.169.254/latest/meta-data", "cloud metadata"],
      ["http://10.1.2.3/hook", "private"],
      ["http://localhost:8080/hook", "loopback"],
      ["http://[::1]/hook", "loopback"],
      ["http://user:pw@crm.example.com/hook", "credentials"],
    ])("refuses to save %s with a reason (%s)", async (url, reason) => {
      const error = await alice.endpoints.create({ url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe("BAD_REQUEST");
      expect((error as TRPCError).message).toContain(reason);
    });

    test("pacing: a Zapier endpoint starts at Zapier's documented rate, limits are set, cleared and checked", async () => {
      const zap = await alice.endpoints.create({ url: "https://hooks.zapier.example.com/p", crm: "zapier" });
      expect([zap.endpoint.rateLimitPerSecond, zap.endpoint.maxConcurrency]).toEqual([30, null]);
      const custom = await alice.endpoints.create({
        url: "https://crm.example.com/paced",
        maxConcurrency: 4,
      });
      expect([custom.endpoint.rateLimitPerSecond, custom.endpoint.maxConcurrency]).toEqual([null, 4]);
      const updated = await alice.endpoints.update({
        id: zap.endpoint.id,
        rateLimitPerSecond: null,
        maxConcurrency: 2,
      });
      expect([updated.endpoint.rateLimitPerSecond, updated.endpoint.maxConcurrency]).toEqual([null, 2]);
      for (const bad of [0, -1, 1.5, 10_001]) {
        const refused = await alice.endpoints.update({ id: zap.endpoint.id, rateLimitPerSecond: bad }).then(
          () => null,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(TRPCError);
        expect((refused as TRPCError).code).toBe("BAD_REQUEST");
      }
      const stored = await db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: zap.endpoint.id } });
      expect([stored.rateLimitPerSecond, stored.maxConcurrency]).toEqual([null, 2]);
    });

    test("refuses URLs that are not http(s)", async () => {
      await expect(alice.endpoints.create({ url: "ftp://crm.example.com/x" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    });

    test("disabling records when; re-enabling clears the reason and counts the failures since the last success", async () => {
      const { endpoint } = await alice.endpoints.create({ url: "https://crm.example.com/d" });
      const disabled = await alice.endpoints.update({ id: endpoint.id, enabled: false });
      expect(disabled.endpoint).toMatchObject({ enabled: false, disabledReason: "Disabled in settings." });
      expect(disabled.endpoint.disabledAt).not.toBeNull();
      expect(disabled.failedWhileDisabled).toBeNull();
      const userId = (await db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } }))
        .userId;
      // A success, then two failures a second apart each: stated times, not waited for.
      const start = Date.now() - 60_000;
      for (const [i, status] of (["succeeded", "failed", "failed"] as const).entries()) {
        const at = new Date(start + i * 1000);
        await db.prisma.webhookDelivery.create({
          data: {
            userId,
            endpointId: endpoint.id,
            eventId: `evt_${Math.random()}`,
            eventType: "registration.submitted",
            body: "{}",
            status,
            createdAt: at,
            completedAt: at,
          },
        });
      }
      const enabled = await alice.endpoints.update({ id: endpoint.id, enabled: true });
      expect(enabled.endpoint).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
      expect(enabled.failedWhileDisabled?.count).toBe(2);
    });

    test("delete removes the endpoint; a second delete is NOT_FOUND", async () => {
      const { endpoint } = await alice.endpoints.create({ url: "https://crm.example.com/x" });
      await expect(alice.endpoints.delete({ id: endpoint.id })).resolves.toEqual({ id: endpoint.id });
      await expect(alice.endpoints.delete({ id: endpoint.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    });
  });
}
