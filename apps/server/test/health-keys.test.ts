import { afterAll, expect, test } from "vitest";
import { openDatabase } from "../src/db";
import { generateEncryptionKey, keyIdOf, parseEncryptionKey } from "../src/db/encryption";
import { createTestDatabaseSpace, isModeAvailable, TEST_ENCRYPTION_KEY } from "./support/databases";
import { seedAccount } from "./support/fixtures";
import { genieEnv, type ServerProcess, startServer, stopProcess, waitForListening } from "./support/process";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function healthOf(url: string) {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// A key rotation applied to one process only: the rotated process seals with a key the other lacks.
test.skipIf(!isModeAvailable("postgres"))(
  "a process that cannot read values another process sealed says so in /healthz, naming the key id",
  async () => {
    const space = await createTestDatabaseSpace("postgres");
    cleanups.push(() => space.remove());
    const oldKey = TEST_ENCRYPTION_KEY;
    const newKey = generateEncryptionKey();
    const start = (env: Record<string, string>): ServerProcess => {
      const server = startServer(genieEnv(space, { ...env }), ["--role", "api"]);
      cleanups.push(() => stopProcess(server));
      return server;
    };

    // The process left behind on the old key, started while every value is readable to it.
    const behind = start({ GENIE_ENCRYPTION_KEY: oldKey });
    const behindUrl = await waitForListening(behind);
    expect((await healthOf(behindUrl)).status).toBe(200);

    // A plain endpoint secret (as written before encryption at rest): the rotated process seals it
    // with the new key when it starts.
    const db = await openDatabase(space.config);
    cleanups.push(() => db.close());
    await seedAccount(db.prisma, { endpointUrls: ["https://crm.example.com/hook"] });
    const rotated = start({ GENIE_ENCRYPTION_KEY: newKey, GENIE_ENCRYPTION_KEYS_OLD: oldKey });
    const rotatedUrl = await waitForListening(rotated);

    const newKeyId = keyIdOf(parseEncryptionKey(newKey));
    const [stored] = await db.sql.query<{ secret: string }>("SELECT secret FROM webhook_endpoints");
    expect(stored?.secret.startsWith(`enc:v1:${newKeyId}:`)).toBe(true);

    expect(await healthOf(rotatedUrl)).toMatchObject({ status: 200, body: { status: "ok" } });
    const behindHealth = await healthOf(behindUrl);
    expect(behindHealth).toMatchObject({
      status: 503,
      body: { status: "degraded", unreadableKeyIds: [newKeyId] },
    });
    expect(String(behindHealth.body.reason)).toContain(newKeyId);
    // The key itself never appears, only its id.
    expect(JSON.stringify(behindHealth.body)).not.toContain(newKey);
  },
  90_000,
);
