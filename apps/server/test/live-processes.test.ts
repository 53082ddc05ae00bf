import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { openDatabase } from "../src/db";
import { createTestDatabaseSpace, isModeAvailable } from "./support/databases";
import { httpClient } from "./support/http";
import { genieEnv, postRegistration, startServer, stopProcess, waitForListening } from "./support/process";
import { startReceiver, statuses, waitFor } from "./support/receiver";
import { openStream } from "./support/sse";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe.skipIf(!isModeAvailable("postgres"))("the live log across processes on PostgreSQL", () => {
  test("a tab on the API-only process hears the attempts a worker process records", async () => {
    const space = await createTestDatabaseSpace("postgres");
    cleanups.push(() => space.remove());
    const receiver = await startReceiver({ "/crm": statuses(500, 200) });
    cleanups.push(() => receiver.close());
    const api = startServer(genieEnv(space), ["--role", "api"]);
    cleanups.push(() => stopProcess(api));
    const apiUrl = await waitForListening(api);
    const worker = startServer(genieEnv(space), ["--role", "worker"]);
    cleanups.push(() => stopProcess(worker));
    await waitForListening(worker);

    const email = `two-${randomUUID()}@example.com`;
    const { cookie } = await httpClient(apiUrl).signUp(email);
    const db = await openDatabase(space.config);
    cleanups.push(() => db.close());
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
    const project = await db.prisma.funnelProject.create({ data: { userId: user.id, name: "Two" } });
    await db.sql.query(
      "INSERT INTO webhook_endpoints (user_id, url, secret) VALUES ($1::uuid, $2, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')",
      [user.id, receiver.url("/crm")],
    );

    const stream = openStream(apiUrl, cookie);
    cleanups.push(async () => stream.close());
    await waitFor(async () => (stream.events.length > 0 ? true : undefined), 10_000, "the stream to open");
    await postRegistration(apiUrl, { projectId: project.id, email: "lead@example.com" });
    // Both attempts (500, then 200 after the 1 s wait) are recorded by the worker process only.
    await waitFor(
      async () => {
        const [row] = await db.sql.query<{ attempt_count: number; status: string }>(
          "SELECT attempt_count, status::text FROM webhook_deliveries WHERE user_id = $1::uuid",
          [user.id],
        );
        return row?.status === "succeeded" ? row : undefined;
      },
      20_000,
      "the delivery to succeed",
    );
    // The retry comes a second after the first attempt: by then its event has reached this tab.
    await waitFor(
      async () => (stream.changes().length >= 2 ? true : undefined),
      10_000,
      "the worker's events",
    );
    expect(stream.changes().length).toBeGreaterThanOrEqual(2);
    stream.close();
    await stream.done;
  });
});
