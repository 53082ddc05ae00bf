import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { HttpSettings } from "../../src/config";
import { DEFAULT_HTTP_SETTINGS } from "../../src/http/security";
import { httpClient, openTestServers, trickle } from "../support/http";

const SIGN_IN_HEAD = (length: number) =>
  `POST /api/auth/sign-in/email HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

// HTTP behaviour only: the embedded database is enough (the database modes are tested elsewhere).
describe("the server on the internet", () => {
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  const dashboardDir = mkdtempSync(path.join(tmpdir(), "genie-dashboard-"));

  beforeAll(async () => {
    servers = await openTestServers("pglite");
    writeFileSync(path.join(dashboardDir, "index.html"), "<!doctype html><title>Genie</title>");
  });
  afterAll(async () => {
    await servers?.close();
    rmSync(dashboardDir, { recursive: true, force: true });
  });

  const start = (http: Partial<HttpSettings> = {}) =>
    servers.start({ dashboardDir, http: { ...DEFAULT_HTTP_SETTINGS, ...http } });

  describe("timeouts and limits", () => {
    let url: string;
    beforeAll(async () => {
      url = await start({ requestTimeoutMs: 600, headersTimeoutMs: 300, bodyLimitBytes: 4096 });
    });

    test("a sign-in whose body trickles in is cut at the request timeout with 408", async () => {
      const body = JSON.stringify({ email: "slow@example.com", password: "x".repeat(60) });
      const slow = await trickle(url, SIGN_IN_HEAD(body.length), body, 100);
      expect(slow.cutByServer).toBe(true);
      expect(slow.dripped).toBeLessThan(body.length);
      expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /);
    });

    test("headers that trickle in are cut at the headers timeout with 408", async () => {
      const slow = await trickle(
        url,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        `X-Slow: ${"z".repeat(100)}`,
        100,
      );
      expect(slow.cutByServer).toBe(true);
      expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /);
    });

    test("a request at normal speed is answered", async () => {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });

    test("bodies over the limit are refused with 413 on sign-in, tRPC and the intake alike", async () => {
      const client = httpClient(url);
      const big = { name: "x".repeat(8000), email: "big@example.com", password: "correct horse battery" };
      expect((await client.post("/api/auth/sign-up/email", big)).status).toBe(413);
      expect(
        (await client.post("/trpc/endpoints.create", { url: `https://x.example/${"a".repeat(8000)}` }))
          .status,
      ).toBe(413);
      expect((await client.post("/api/contacts", { projectId: "x".repeat(20_000) })).status).toBe(413);
      expect(await servers.db.prisma.user.count({ where: { email: "big@example.com" } })).toBe(0);
    });
  });

  describe("security headers", () => {
    let url: string;
    beforeAll(async () => {
      url = await start();
    });

    test("the dashboard's HTML carries a strict CSP that forbids framing", async () => {
      const response = await fetch(`${url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const csp = response.headers.get("content-security-policy") ?? "";
      const directives = Object.fromEntries(
        csp.split(";").map((d) => {
          const [name = "", ...values] = d.trim().split(/\s+/);
          return [name, values.join(" ")];
        }),
      );
      expect(directives).toMatchObject({
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
      });
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      // Over plain http an upgrade would send the page's own scripts to https.
      expect(csp).not.toContain("upgrade-insecure-requests");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
      expect(response.headers.get("cross-origin-resource-policy")).toBe("same-origin");
      expect(response.headers.get("strict-transport-security")).toBeNull();
    });

    test("the public intake may be used from any origin: CORS, and a cross-origin CORP", async () => {
      const preflight = await fetch(`${url}/api/contacts`, {
        method: "OPTIONS",
        headers: { origin: "https://funnel.example", "access-control-request-method": "POST" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://funnel.example");
      const posted = await httpClient(url, { origin: "https://funnel.example" }).post("/api/contacts", {});
      expect(posted.status).toBe(400);
      expect(posted.headers.get("access-control-allow-origin")).toBe("https://funnel.example");
      expect(posted.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      expect(posted.headers.get("cross-origin-embedder-policy")).toBeNull();
    });

    test("API answers are same-origin resources with nosniff", async () => {
      const response = await fetch(`${url}/trpc/account.me`);
      expect(response.status).toBe(401);
      expect(response.headers.get("cross-origin-resource-policy")).toBe("same-origin");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    });

    test("with an https public URL, browsers are told to stay on https", async () => {
      const secure = await start({ publicUrl: "https://genie.example.com" });
      const response = await fetch(`${secure}/`);
      expect(response.headers.get("strict-transport-security")).toBe("max-age=15552000");
      expect(response.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
    });
  });
});
