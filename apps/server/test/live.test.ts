import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { createDeliveryWorker, type DeliveryWorker } from "../src/delivery";
import { announceChanges, startLiveFeed } from "../src/live/feed";
import { buildServer } from "../src/server";
import { createApiKey, revokeApiKey } from "../src/services/api-keys";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { registrationBody } from "./support/fixtures";
import { httpClient, TEST_AUTH_SECRET } from "./support/http";
import { LOOPBACK_DELIVERY, startReceiver, statuses, waitFor } from "./support/receiver";
import { openStream } from "./support/sse";

describe("the live feed's fan-out", () => {
  test("tells each account only about its own changes, once per burst", async () => {
    const sql = { query: async () => [], exec: async () => {} };
    const feed = startLiveFeed({ sql, workerSql: sql, mode: "pglite" });
    const heard: string[] = [];
    const stopA = feed.subscribe("a", () => heard.push("a"));
    feed.subscribe("b", () => heard.push("b"));
    announceChanges(sql, ["a", "a", "a"]);
    announceChanges(sql, ["a"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(["a"]);
    stopA();
    announceChanges(sql, ["a", "c"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(["a"]);
    await feed.close();
    expect(feed.closed.aborted).toBe(true);
  });
});

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`the live delivery log on ${mode}`, () => {
    let db: Awaited<ReturnType<typeof openTestDatabase>>;
    let worker: DeliveryWorker;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let baseUrl: string;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let cookie: string;
    let projectId: string;
    const email = `live-${randomUUID()}@example.com`;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      receiver = await startReceiver({ "/flaky": statuses(500, 200) });
      worker = createDeliveryWorker(db.workerSql, LOOPBACK_DELIVERY, { database: db });
      worker.start();
      app = await buildServer({
        db,
        intake: { handOff: worker },
        api: { auth: { secret: TEST_AUTH_SECRET }, liveRecheckMs: 200 },
      });
      baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
      cookie = (await httpClient(baseUrl).signUp(email)).cookie;
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
      projectId = (await db.prisma.funnelProject.create({ data: { userId: user.id, name: "Live" } })).id;
      await db.prisma.webhookEndpoint.create({
        data: {
          userId: user.id,
          url: receiver.url("/flaky"),
          secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
      });
    });
    afterAll(async () => {
      await app?.close();
      await worker?.stop(1000);
      await receiver?.close();
      await db?.close();
    });

    const register = async (project = projectId) => {
      const response = await httpClient(baseUrl).post(
        "/api/contacts",
        registrationBody(
          { userId: "", projectId: project, pageId: "", endpointIds: [] },
          { pageId: undefined },
        ),
      );
      expect(response.status).toBe(201);
    };

    test("a registration and each of its attempts reach an open tab without a reload", async () => {
      const stream = openStream(baseUrl, cookie);
      await waitFor(async () => (stream.events.length > 0 ? true : undefined), 10_000, "the stream to open");
      expect(stream.state.status).toBe(200);
      await register();
      // Written at intake (one event), then attempt 1 (500) and attempt 2 (200): each its own batch.
      await waitFor(
        async () => {
          const [row] = await db.sql.query<{ status: string }>(
            "SELECT status::text FROM webhook_deliveries ORDER BY created_at DESC LIMIT 1",
          );
          return row?.status === "succeeded" ? true : undefined;
        },
        15_000,
        "the delivery to succeed",
      );
      await waitFor(async () => (stream.changes().length >= 2 ? true : undefined), 10_000, "two changes");
      expect(new Set(stream.changes().map((event) => event.id)).size).toBe(stream.changes().length);
      stream.close();
      await stream.done;
    });

    test("a reconnect with its last event id starts with an event (changes may have been missed)", async () => {
      const stream = openStream(baseUrl, cookie, { lastEventId: "earlier.7" });
      await waitFor(async () => (stream.changes().length > 0 ? true : undefined), 10_000, "a catch-up event");
      stream.close();
      await stream.done;
    });

    test("nobody signed in gets no stream: it ends at once with UNAUTHORIZED", async () => {
      const stream = openStream(baseUrl, "");
      await stream.done;
      expect(stream.changes()).toEqual([]);
      expect(JSON.stringify(stream.events)).toContain("UNAUTHORIZED");
    });

    test.runIf(mode === "postgres")(
      "the delivery path sends no NOTIFY without a listener, and at most one per batch with one",
      async () => {
        const { config } = db.space;
        const listener = new pg.Client({ connectionString: config.kind === "postgres" ? config.url : "" });
        await listener.connect();
        const heard: string[] = [];
        const present: string[] = [];
        listener.on("notification", (n) => {
          if (n.channel === "genie_live") heard.push(n.payload ?? "");
          else present.push(n.payload ?? "");
        });
        await listener.query("LISTEN genie_live; LISTEN genie_live_presence");
        try {
          // An account that never had a tab open, so no presence of it is remembered.
          const quiet = `quiet-${randomUUID()}@example.com`;
          const quietCookie = (await httpClient(baseUrl).signUp(quiet)).cookie;
          const user = await db.prisma.user.findUniqueOrThrow({ where: { email: quiet } });
          const project = await db.prisma.funnelProject.create({ data: { userId: user.id, name: "Quiet" } });
          await db.prisma.webhookEndpoint.create({
            data: {
              userId: user.id,
              url: receiver.url("/ok"),
              secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            },
          });
          const before = await countAttempts(db);
          await register(project.id);
          await waitFor(
            async () => ((await countAttempts(db)) >= before + 1 ? true : undefined),
            15_000,
            "the attempt",
          );
          // A NOTIFY sent would have arrived by the time a query on the same server answers.
          await listener.query("SELECT 1");
          expect(heard).toEqual([]);

          const stream = openStream(baseUrl, quietCookie);
          await waitFor(
            async () => (stream.events.length > 0 ? true : undefined),
            10_000,
            "the stream to open",
          );
          // The tab's presence travels through PostgreSQL, to this listener as to the server's own.
          await waitFor(async () => (present.length > 0 ? true : undefined), 10_000, "the presence NOTIFY");
          await register(project.id);
          await waitFor(
            async () => ((await countAttempts(db)) >= before + 2 ? true : undefined),
            15_000,
            "the attempt",
          );
          await waitFor(async () => (stream.changes().length >= 1 ? true : undefined), 10_000, "a change");
          await listener.query("SELECT 1");
          // One intake batch and one attempt batch (the receiver answers 200 now): at most two, each
          // naming this account only.
          expect(heard.length).toBeGreaterThan(0);
          expect(heard.length).toBeLessThanOrEqual(2);
          expect(new Set(heard)).toEqual(new Set([user.id]));
          stream.close();
          await stream.done;
        } finally {
          await listener.end();
        }
      },
    );

    test("a stream ends with UNAUTHORIZED soon after its session is revoked", async () => {
      const other = `revoked-${randomUUID()}@example.com`;
      const session = (await httpClient(baseUrl).signUp(other)).cookie;
      const stream = openStream(baseUrl, session);
      await waitFor(async () => (stream.events.length > 0 ? true : undefined), 10_000, "the stream to open");
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email: other } });
      await db.prisma.session.deleteMany({ where: { userId: user.id } });
      await stream.done;
      expect(stream.state.ended).toBe(true);
      expect(JSON.stringify(stream.events)).toContain("UNAUTHORIZED");
    });

    test("a stream opened with an API key lasts through its rechecks, and ends soon after the key is revoked", async () => {
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
      const { apiKey, key } = await createApiKey(db, user.id, { name: "Live log", scope: "read" });
      const stream = openStream(baseUrl, { apiKey: key });
      await waitFor(async () => (stream.events.length > 0 ? true : undefined), 10_000, "the stream to open");
      expect(stream.state.status).toBe(200);
      // Five rechecks (every 200 ms here): before, the first one found no session and ended it.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(stream.state.ended).toBe(false);
      await register();
      await waitFor(async () => (stream.changes().length > 0 ? true : undefined), 10_000, "a change");

      await revokeApiKey(db, user.id, { id: apiKey.id });
      await stream.done;
      expect(JSON.stringify(stream.events)).toContain("UNAUTHORIZED");
    });

    test("shutdown ends open streams at once instead of waiting for the tabs", async () => {
      const stream = openStream(baseUrl, cookie);
      await waitFor(async () => (stream.events.length > 0 ? true : undefined), 10_000, "the stream to open");
      // Without the feed closing first, close() would wait on this connection until the tab went away.
      await app.close();
      await stream.done;
      expect(stream.state.ended).toBe(true);
    });
  });
}

async function countAttempts(db: Database): Promise<number> {
  const [row] = await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_logs");
  return row?.n ?? 0;
}
