import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isAppError } from "../../src/errors";
import { createAccountLimits } from "../../src/limits";
import { httpClient, openTestServers, TEST_AUTH_SECRET, trpcResult } from "../support/http";
import { startReceiver } from "../support/receiver";

describe("per-account limits", () => {
  test("each account has its own count, and a refused start neither runs nor counts as running", async () => {
    const limits = createAccountLimits({ sendTest: { perMinute: 2, concurrent: 1 } });
    const first = await limits.acquire("sendTest", "alice");
    const refused = await limits.acquire("sendTest", "alice").catch((error: unknown) => error);
    expect(isAppError(refused) && refused.code).toBe("TOO_MANY_REQUESTS");
    const bob = await limits.acquire("sendTest", "bob");
    first();
    first(); // ending twice ends once
    const second = await limits.acquire("sendTest", "alice");
    second();
    // Two starts a minute: the refused one above did not use one up, a third is refused.
    await expect(limits.acquire("sendTest", "alice")).rejects.toThrow(
      "Too many test sends for this account (at most 2 a minute): try again in",
    );
    bob();
    // Other operations have their own counts.
    (await limits.acquire("stats", "alice"))();
  });
});

// Over HTTP, on the embedded database: what a signed-in browser sees.
describe("per-account limits over HTTP", () => {
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  let url: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    servers = await openTestServers("pglite");
    receiver = await startReceiver({
      "/held": (_n, response) => {
        held.push(response);
        return "hang";
      },
    });
    url = await servers.start({
      api: {
        auth: { secret: TEST_AUTH_SECRET },
        outbound: { ssrfAllow: ["127.0.0.1"], timeoutMs: 5000 },
        limits: {
          sendTest: { perMinute: 3, concurrent: 1 },
          contactsExport: { perMinute: 3, concurrent: 1 },
        },
      },
    });
  });
  afterAll(async () => {
    await servers?.close();
    await receiver?.close();
  });

  const sendTest = (cookie: string, path: string) =>
    httpClient(url).mutation("webhooks.sendTest", { url: receiver.url(path) }, cookie);

  test("past the per-minute limit a test send answers 429 with a message saying when to retry", async () => {
    const { cookie } = await httpClient(url).signUp("rate@example.com");
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await sendTest(cookie, "/ok")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await trpcResult(await sendTest(cookie, "/ok"));
    expect(refused.status).toBe(429);
    expect(refused.error?.data.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.error?.message).toMatch(
      /^Too many test sends for this account \(at most 3 a minute\): try again in \d+ s\.$/,
    );
    expect(receiver.requestsTo("/ok")).toHaveLength(3);
  });

  test("a second test send while one is running answers 429; other accounts are not held up", async () => {
    const { cookie } = await httpClient(url).signUp("busy@example.com");
    const { cookie: other } = await httpClient(url).signUp("other@example.com");
    const running = sendTest(cookie, "/held");
    // Bounded wait until the receiver holds the first send.
    for (let i = 0; i < 200 && held.length === 0; i++) await sleep(25);
    expect(held).toHaveLength(1);

    const second = await trpcResult(await sendTest(cookie, "/ok"));
    expect(second.status).toBe(429);
    expect(second.error?.message).toBe(
      "Too many test sends at once for this account (at most 1): wait for one to finish.",
    );
    expect((await sendTest(other, "/ok")).status).toBe(200);

    held[0]?.writeHead(200).end("ok");
    expect((await running).status).toBe(200);
    expect((await sendTest(cookie, "/ok")).status).toBe(200);
  });

  test("a CSV export counts as running until its answer ends; past the minute's limit it answers 429", async () => {
    const { cookie } = await httpClient(url).signUp("export@example.com");
    const exportCsv = () => fetch(`${url}/api/contacts.csv`, { headers: { cookie } });
    // One at a time allowed: each finished export frees its slot for the next.
    for (let i = 0; i < 3; i++) {
      const response = await exportCsv();
      expect(response.status).toBe(200);
      await response.text();
    }
    const refused = await exportCsv();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /^Too many contact exports for this account \(at most 3 a minute\)/,
    );
  });
});
