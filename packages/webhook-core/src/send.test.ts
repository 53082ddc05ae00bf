import { afterAll, afterEach, describe, expect, test } from "vitest";
import { deliverOnce, GENIE_USER_AGENT } from "./send";
import { createSsrfGuardedAgent } from "./ssrf";
import { type Loopback, refusedPort, startLoopback } from "./test-support/loopback";

// The loopback servers are internal addresses: only the allow-list lets the guarded pool reach them.
const dispatcher = createSsrfGuardedAgent({ allow: ["127.0.0.1"] });
afterAll(() => dispatcher.close());

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const BODY = '{"event":"registration.submitted"}';

describe("deliverOnce", () => {
  test("POSTs the exact body with the given headers and reports a 200", async () => {
    server = await startLoopback((_, response) => response.writeHead(200).end("thanks"));
    const result = await deliverOnce({
      url: server.url("/hook"),
      body: BODY,
      headers: { "x-custom": "1" },
      dispatcher,
    });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseExcerpt: "thanks" });
    expect(result.errorKind).toBeUndefined();
    expect(result.durationMs).toBeGreaterThan(0);
    const [received] = server.requests;
    expect(received?.method).toBe("POST");
    expect(received?.body.toString()).toBe(BODY);
    expect(received?.headers).toMatchObject({
      "x-custom": "1",
      "content-type": "application/json",
      "user-agent": GENIE_USER_AGENT,
    });
  });

  test("keeps the caller's content-type and user-agent, whatever their case", async () => {
    server = await startLoopback();
    const headers = { "Content-Type": "application/vnd.genie+json", "User-Agent": "Other/2" };
    await deliverOnce({ url: server.url(), body: BODY, headers, dispatcher });
    expect(server.requests[0]?.headers).toMatchObject({
      "content-type": "application/vnd.genie+json",
      "user-agent": "Other/2",
    });
  });

  test("sends a body given as bytes unchanged", async () => {
    server = await startLoopback();
    const bytes = new Uint8Array([0x7b, 0xff, 0x00, 0x7d]);
    await deliverOnce({ url: server.url(), body: bytes, dispatcher });
    expect([...(server.requests[0]?.body ?? [])]).toEqual([...bytes]);
  });

  test("reports a 500 with the answer's start and its Retry-After", async () => {
    server = await startLoopback((_, response) =>
      response.writeHead(500, { "retry-after": "7" }).end("database down"),
    );
    const result = await deliverOnce({ url: server.url(), body: BODY, dispatcher });
    expect(result).toMatchObject({
      ok: false,
      statusCode: 500,
      responseExcerpt: "database down",
      retryAfterMs: 7000,
    });
    expect(result.errorKind).toBeUndefined();
  });

  test("reports a receiver that hangs past the timeout as a timeout", async () => {
    server = await startLoopback(() => {
      // never answers
    });
    const result = await deliverOnce({ url: server.url(), body: BODY, dispatcher, timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, errorKind: "timeout" });
    expect(result.statusCode).toBeUndefined();
    expect(result.errorMessage).toMatch(/200 ms/);
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
  });

  test("reports a refused connection as a connect error", async () => {
    const port = await refusedPort();
    const result = await deliverOnce({ url: `http://127.0.0.1:${port}/`, body: BODY, dispatcher });
    expect(result).toMatchObject({ ok: false, errorKind: "connect" });
    expect(result.errorMessage).toMatch(/ECONNREFUSED/);
  });

  test("reports a connection closed without an answer as a reset", async () => {
    server = await startLoopback((request) => request.socket.destroy());
    const result = await deliverOnce({ url: server.url(), body: BODY, dispatcher });
    expect(result).toMatchObject({ ok: false, errorKind: "reset" });
  });

  test("reports a failed TLS handshake as a tls error", async () => {
    server = await startLoopback();
    const result = await deliverOnce({
      url: server.url().replace("http:", "https:"),
      body: BODY,
      dispatcher,
    });
    expect(result).toMatchObject({ ok: false, errorKind: "tls" });
  });

  test("keeps only the start of a huge answer, without reading all of it", async () => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    server = await startLoopback((_, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(64 * 1024, "a");
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        response.end();
      };
      response.on("close", () => {
        written = Math.min(written, total);
      });
      pump();
    });
    const result = await deliverOnce({ url: server.url(), body: BODY, dispatcher, timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(result.responseExcerpt).toBe("a".repeat(4096));
    // The sender stopped reading early: the server could not push the 50 MiB through.
    expect(written).toBeLessThan(total);
  });

  test("keeps as much of the answer as asked, without cutting a character in half", async () => {
    server = await startLoopback((_, response) => response.end("ééééé")); // 2 bytes each
    const result = await deliverOnce({ url: server.url(), body: BODY, dispatcher, excerptBytes: 5 });
    expect(result.responseExcerpt).toBe("éé");
  });

  test("reuses keep-alive connections for consecutive deliveries to an origin", async () => {
    server = await startLoopback();
    for (let i = 0; i < 6; i++)
      expect((await deliverOnce({ url: server.url(), body: BODY, dispatcher })).ok).toBe(true);
    // undici frees a connection a tick after its answer ends, so an immediate next request may open a
    // second one; after that they are reused. Without pooling this would be 6.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  test("refuses loopback through its default pool, which has no allow-list", async () => {
    server = await startLoopback();
    const result = await deliverOnce({ url: server.url(), body: BODY });
    expect(result).toMatchObject({ ok: false, errorKind: "ssrf-blocked" });
    expect(server.requests).toHaveLength(0);
  });

  test("reports a header value that cannot be sent as an invalid request", async () => {
    server = await startLoopback();
    const result = await deliverOnce({
      url: server.url(),
      body: BODY,
      headers: { "x-bad": "a\r\nb" },
      dispatcher,
    });
    expect(result).toMatchObject({ ok: false, errorKind: "invalid-request" });
  });

  test("rejects with the caller's reason when the caller aborts", async () => {
    server = await startLoopback(() => {
      // never answers
    });
    const controller = new AbortController();
    const pending = deliverOnce({ url: server.url(), body: BODY, dispatcher, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    await expect(pending).rejects.toThrow("shutting down");
  });
});
