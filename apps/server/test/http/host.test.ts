import net from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isValidHost } from "../../src/http/security";
import { openTestServers } from "../support/http";

/** One raw HTTP/1.1 request (fetch would refuse to send a malformed Host): the status line's code. */
function statusWithHost(baseUrl: string, path: string, host: string): Promise<number> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    let answer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.end(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, "latin1");
  });
}

const PATHS = ["/trpc/system.health", "/trpc/account.me", "/api/auth/get-session", "/healthz"];

describe("a malformed Host header", () => {
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  let url: string;
  beforeAll(async () => {
    servers = await openTestServers("pglite");
    url = await servers.start();
  });
  afterAll(async () => {
    await servers?.close();
  });

  test("is refused with 400 and a reason on every route, never 500", async () => {
    for (const path of PATHS) {
      for (const host of ['a"b', "a b", "[::1", "genie.example:99999", "a%00", "a/b", "a\\b", "é.example"]) {
        expect({ path, host, status: await statusWithHost(url, path, host) }).toEqual({
          path,
          host,
          status: 400,
        });
      }
    }
    const response = await fetch(`${url}/healthz`, { headers: { "x-probe": "1" } });
    expect(response.status).toBe(200);
  });

  test("answers the refusal as JSON with the invalid_host reason", async () => {
    const { port } = new URL(url);
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), "127.0.0.1");
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        text += chunk;
      });
      socket.on("close", () => resolve(text));
      socket.end('GET /trpc/account.me HTTP/1.1\r\nHost: a"b\r\nConnection: close\r\n\r\n');
    });
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(body).toMatchObject({ statusCode: 400, error: "invalid_host" });
  });

  test("well-formed hosts still reach the routes", async () => {
    for (const host of [
      "genie.example.com",
      "genie.example.com:8443",
      "127.0.0.1:3000",
      "[::1]:3000",
      "xn--gnie-bpa.example",
    ]) {
      expect({ host, status: await statusWithHost(url, "/trpc/account.me", host) }).toEqual({
        host,
        status: 401,
      });
    }
  });

  test("no printable host string makes the server fail (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 40,
        }),
        async (host) => {
          const status = await statusWithHost(url, "/trpc/account.me", host);
          // 401: a host a URL can hold reached the procedure; 400: refused up front. Never a 500.
          expect([400, 401]).toContain(status);
          expect(status === 401).toBe(isValidHost(host));
        },
      ),
      { numRuns: 150 },
    );
  });
});
