import { rmSync } from "node:fs";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, test } from "vitest";
import { type Database, openDatabase } from "../src/db";
import {
  generateEncryptionKey,
  KeyRing,
  keyIdOf,
  openSealed,
  parseEncryptionKey,
} from "../src/db/encryption";
import { KEY_FILE } from "../src/db/reseal";
import { createOutbox } from "../src/mail/outbox";
import { createApiHarness, createOwner, SEEDED_SECRETS, seedActivity } from "./support/api";
import { createTestDatabaseSpace, DATABASE_MODES, isModeAvailable } from "./support/databases";
import { registrationBody, seedAccount } from "./support/fixtures";
import { genieEnv, postRegistration, startServer, waitForListening } from "./support/process";
import { startReceiver, waitFor } from "./support/receiver";

/** Every row of every table of the database, as text: what a dump or a backup would hold. */
async function dumpEverything(db: Database): Promise<string> {
  const tables = await db.sql.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  expect(tables.map((t) => t.name)).toContain("webhook_endpoints");
  const parts: string[] = [];
  for (const { name } of tables) {
    parts.push(JSON.stringify(await db.sql.query(`SELECT * FROM "${name}"`)));
  }
  return parts.join("\n");
}

describe("the key ring", () => {
  test("a sealed value opens only with its key and only as its endpoint's value", () => {
    const ring = new KeyRing(generateEncryptionKey());
    const sealed = ring.seal("whsec_abc", "endpoint-1");
    expect(sealed).toMatch(new RegExp(`^enc:v1:${ring.currentKeyId}:`));
    expect(sealed).not.toContain("whsec_abc");
    expect(openSealed(sealed, "endpoint-1")).toBe("whsec_abc");
    expect(() => openSealed(sealed, "endpoint-2")).toThrow("does not decrypt");
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}A`;
    expect(() => openSealed(tampered, "endpoint-1")).toThrow("does not decrypt");
    expect(() => openSealed(sealed.replace(ring.currentKeyId, "00000000"), "endpoint-1")).toThrow(
      "key 00000000, which is neither GENIE_ENCRYPTION_KEY nor in GENIE_ENCRYPTION_KEYS_OLD",
    );
  });

  test("reads keys in base64 and hex, and refuses any other length", () => {
    const key = generateEncryptionKey();
    const hex = Buffer.from(key, "base64").toString("hex");
    expect(keyIdOf(parseEncryptionKey(hex))).toBe(keyIdOf(parseEncryptionKey(key)));
    expect(() => parseEncryptionKey("c2hvcnQ=")).toThrow("must be 32 bytes");
  });
});

describe("encryption at rest", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function space(mode: "pglite" | "postgres") {
    const created = await createTestDatabaseSpace(mode);
    cleanups.push(() => created.remove());
    return created;
  }

  for (const mode of DATABASE_MODES) {
    test.skipIf(!isModeAvailable(mode))(
      `on ${mode}, a dump of every table holds no endpoint secret and no custom header value`,
      async () => {
        const where = await space(mode);
        // Rows written before encryption at rest: plain text, as an older Genie stored them.
        let db = await openDatabase(where.config);
        const legacyOwner = await createOwner(db.prisma, "Legacy");
        await seedActivity(db.prisma, legacyOwner);
        await db.close();

        // The next start seals them; everything written from now on is sealed as it is written.
        db = await openDatabase(where.config);
        cleanups.push(() => db.close());
        const receiver = await startReceiver();
        cleanups.push(() => receiver.close());
        const harness = createApiHarness(db);
        cleanups.push(async () => harness.close());
        const alice = harness.as(await createOwner(db.prisma, "Alice"));
        const headerValues = ["make-api-key-0123456789abcdef", "Bearer token-9876543210fedcba"];
        const { endpoint, secret: first } = await alice.endpoints.create({
          url: receiver.url("/crm"),
          customHeaders: { "x-make-apikey": headerValues[0] as string },
        });
        const { secret: second } = await alice.endpoints.rotateSecret({ id: endpoint.id, graceHours: 1 });
        await alice.endpoints.update({
          id: endpoint.id,
          customHeaders: { Authorization: headerValues[1] ?? "" },
        });
        const test = await alice.webhooks.sendTest({ endpointId: endpoint.id });
        expect(test.ok).toBe(true);

        // The receiver got the real values: they are sealed at rest, not lost.
        const [request] = receiver.received;
        expect(request?.headers["x-make-apikey"]).toBe(headerValues[0]);
        expect(request?.headers.authorization).toBe(headerValues[1]);
        for (const secret of [first, second]) {
          expect(() =>
            new Webhook(secret).verify(request?.body ?? "", request?.headers as never),
          ).not.toThrow();
        }

        const dump = await dumpEverything(db);
        expect(dump).toContain(endpoint.id);
        expect(dump).toContain("enc:v1:");
        const secrets = [first, second, ...headerValues, ...Object.values(SEEDED_SECRETS)];
        for (const value of secrets) expect(dump, `the dump holds ${value}`).not.toContain(value);
        // Not even the distinctive middle of a secret (a value re-encoded but not encrypted).
        for (const value of [first, second]) expect(dump).not.toContain(value.slice(6, 26));
      },
      60_000,
    );
  }

  for (const mode of DATABASE_MODES) {
    test.skipIf(!isModeAvailable(mode))(
      `on ${mode}, after a key rotation and the re-encrypt command, deliveries still verify with the same whsec_ secret`,
      async () => {
        const where = await space(mode);
        const receiver = await startReceiver();
        cleanups.push(() => receiver.close());
        const oldKey = mode === "postgres" ? (where.config.encryption?.key as string) : null;
        const newKey = generateEncryptionKey();

        // An endpoint created under the old key (on PGlite: the one generated into the data folder).
        const db = await openDatabase(where.config);
        const account = await seedAccount(db.prisma);
        const harness = createApiHarness(db);
        const created = await harness.as(account.userId).endpoints.create({
          url: receiver.url("/crm"),
          customHeaders: { "x-api-key": "header-value-0123" },
        });
        // A reset mail waits in the outbox (SMTP down, say), its link sealed with the old key.
        const mailId = await createOutbox(db.sql, db.keys).enqueue({
          kind: "password_reset",
          to: "owner@example.com",
          sensitive: true,
          subject: "Reset your Genie password",
          text: "https://genie.example.com/reset-password?token=rotated",
          html: "<p>x</p>",
        });
        const oldKeyId = db.keys.currentKeyId;
        await harness.close();
        await db.close();

        const env = genieEnv(where);
        // With the new key alone, the old values cannot be read: the start refuses, in one line.
        const refused = startServer({ ...env, GENIE_ENCRYPTION_KEY: newKey }, [], "src/reencrypt.ts");
        if (mode === "postgres") {
          expect(await refused.exited).toBe(1);
          expect(refused.output().trim().split("\n")).toEqual([
            expect.stringContaining(`encrypted with key ${oldKeyId}, which is neither GENIE_ENCRYPTION_KEY`),
          ]);
        } else {
          // On PGlite the data folder's own key stays an old key: nothing to refuse, all resealed.
          expect(await refused.exited).toBe(0);
          expect(refused.output()).toMatch(
            /1 of 1 endpoints and 1 of 1 mails waiting to be sent re-encrypted/,
          );
        }

        const reencrypt = startServer(
          { ...env, GENIE_ENCRYPTION_KEY: newKey, ...(oldKey && { GENIE_ENCRYPTION_KEYS_OLD: oldKey }) },
          [],
          "src/reencrypt.ts",
        );
        expect(await reencrypt.exited).toBe(0);
        // On PGlite the run above did the work already.
        const done = mode === "postgres" ? 1 : 0;
        expect(reencrypt.output()).toMatch(
          new RegExp(
            `${done} of 1 endpoints and ${done} of 1 mails waiting to be sent re-encrypted with key [0-9a-f]{8}`,
          ),
        );

        // The old key is gone: only the new one is configured (PGlite: its key file removed too).
        if (where.config.kind === "pglite") rmSync(path.join(where.config.dataDir, KEY_FILE));
        const check = await openDatabase({ ...where.config, encryption: { key: newKey, oldKeys: [] } });
        const [row] = await check.sql.query<{ secret: string; custom_headers: unknown }>(
          "SELECT secret, custom_headers::text FROM webhook_endpoints WHERE id = $1::uuid",
          [created.endpoint.id],
        );
        expect(row?.secret.startsWith(`enc:v1:${check.keys.currentKeyId}:`)).toBe(true);
        expect(check.keys.currentKeyId).not.toBe(oldKeyId);
        expect(String(row?.custom_headers)).toContain(`enc:v1:${check.keys.currentKeyId}:`);
        const [mail] = await check.sql.query<{ message: string }>(
          "SELECT message FROM mail_outbox WHERE id = $1::uuid",
          [mailId],
        );
        expect(mail?.message.startsWith(`enc:v1:${check.keys.currentKeyId}:`)).toBe(true);
        expect(openSealed(mail?.message ?? "", mailId)).toContain("token=rotated");
        await check.close();

        const server = startServer({ ...env, GENIE_ENCRYPTION_KEY: newKey });
        cleanups.push(async () => server.child.kill("SIGKILL"));
        const url = await waitForListening(server);
        await postRegistration(url, registrationBody(account));
        await waitFor(async () => receiver.received[0], 20_000, "the delivery");
        const [request] = receiver.received;
        expect(request?.headers["x-api-key"]).toBe("header-value-0123");
        expect(() =>
          new Webhook(created.secret).verify(request?.body ?? "", request?.headers as never),
        ).not.toThrow();
        server.child.kill("SIGTERM");
        expect(await server.exited).toBe(0);
      },
      120_000,
    );
  }
});
