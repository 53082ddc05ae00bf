import { afterAll, afterEach, describe, expect, test } from "vitest";
import { isWebhookDeliveryError } from "./errors";
import { sendWebhook } from "./send-webhook";
import { createSsrfGuardedAgent } from "./ssrf";
import { type Loopback, startLoopback } from "./test-support/loopback";
import type { DeliveryAttempt } from "./types";
import { createWebhookVerifier } from "./verify";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const dispatcher = createSsrfGuardedAgent({ allow: ["127.0.0.1"] });
afterAll(() => dispatcher.close());
// Short waits keep the tests fast; the schedule's shape is what is under test.
const fast = { delaysMs: [10, 20] };

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers the n-th request with statuses[n-1], then 200. */
const answering =
  (...statuses: number[]) =>
  (_: unknown, response: import("node:http").ServerResponse) => {
    const status = statuses.shift() ?? 200;
    response.writeHead(status).end(`status ${status}`);
  };

describe("sendWebhook", () => {
  test("signs and delivers a payload in one attempt, reporting it", async () => {
    server = await startLoopback();
    const seen: DeliveryAttempt[] = [];
    const payload = { event: "registration.submitted", data: { email: "ada@example.com" } };
    const result = await sendWebhook({
      url: server.url(),
      payload,
      secrets: SECRET,
      dispatcher,
      onAttempt: (a) => void seen.push(a),
    });
    expect(result.attempts).toHaveLength(1);
    expect(seen).toEqual(result.attempts);
    expect(seen[0]).toMatchObject({
      attempt: 1,
      outcome: "success",
      nextDelayMs: null,
      result: { statusCode: 200 },
    });
    const [request] = server.requests;
    expect(request?.body.toString()).toBe(JSON.stringify(payload));
    const verified = createWebhookVerifier({ secrets: SECRET }).verify(
      request?.body ?? "",
      request?.headers ?? {},
    );
    expect(verified.id).toBe(result.id);
    expect(result.id).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  test("retries a 500 by the schedule, with the same id and body, and succeeds", async () => {
    server = await startLoopback(answering(500, 503));
    const result = await sendWebhook({
      url: server.url(),
      payload: "{}",
      secrets: SECRET,
      retry: fast,
      dispatcher,
      id: "msg_fixed",
    });
    expect(result.attempts.map((a) => [a.result.statusCode, a.outcome, a.nextDelayMs])).toEqual([
      [500, "retry", 10],
      [503, "retry", 20],
      [200, "success", null],
    ]);
    expect(server.requests.map((r) => r.headers["webhook-id"])).toEqual([
      "msg_fixed",
      "msg_fixed",
      "msg_fixed",
    ]);
    expect(new Set(server.requests.map((r) => r.body.toString()))).toEqual(new Set(["{}"]));
  });

  test("gives up after the last attempt with a WebhookDeliveryError holding every attempt", async () => {
    server = await startLoopback(answering(500, 500, 500, 500));
    const error = await sendWebhook({ url: server.url(), payload: "{}", retry: fast, dispatcher }).catch(
      (e: unknown) => e,
    );
    expect(isWebhookDeliveryError(error)).toBe(true);
    if (!isWebhookDeliveryError(error)) return;
    expect([error.status, error.body, error.attempts.length]).toEqual([500, "status 500", 3]);
    expect(server.requests).toHaveLength(3);
  });

  test("does not retry a 400, a 410 or a refused address", async () => {
    for (const [status, outcome] of [
      [400, "give-up"],
      [410, "disable"],
    ] as const) {
      server = await startLoopback(answering(status));
      const error = await sendWebhook({ url: server.url(), payload: "{}", retry: fast, dispatcher }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ status, attempts: [{ outcome }] });
      await server.close();
      server = undefined;
    }
    const blocked = await sendWebhook({
      url: "http://10.0.0.1/",
      payload: "{}",
      retry: fast,
      dispatcher,
    }).catch((e: unknown) => e);
    expect(blocked).toMatchObject({ errorKind: "ssrf-blocked", attempts: [{ outcome: "give-up" }] });
  });

  test("honours a receiver's Retry-After as the minimum wait", async () => {
    server = await startLoopback((_, response) => {
      if (server?.requests.length === 1) response.writeHead(429, { "retry-after": "1" }).end();
      else response.end("ok");
    });
    const result = await sendWebhook({ url: server.url(), payload: "{}", retry: fast, dispatcher });
    expect(result.attempts[0]?.nextDelayMs).toBe(1000);
  });

  test("sends without signatures when no secret is configured, as the spec allows", async () => {
    server = await startLoopback();
    await sendWebhook({ url: server.url(), payload: "{}", dispatcher });
    const headers = server.requests[0]?.headers ?? {};
    expect(headers["webhook-id"]).toBeDefined();
    expect(headers["webhook-signature"]).toBeUndefined();
    expect(headers["x-webhook-signature"]).toBeUndefined();
  });

  test("stops waiting when aborted", async () => {
    server = await startLoopback(answering(500));
    const controller = new AbortController();
    const pending = sendWebhook({
      url: server.url(),
      payload: "{}",
      retry: { delaysMs: [60_000] },
      dispatcher,
      signal: controller.signal,
      onAttempt: () => controller.abort(new Error("stopped")),
    });
    await expect(pending).rejects.toThrow("stopped");
    expect(server.requests).toHaveLength(1);
  });

  test("refuses a payload that cannot be serialised", async () => {
    await expect(sendWebhook({ url: "https://example.com/", payload: undefined })).rejects.toThrow(TypeError);
  });
});
