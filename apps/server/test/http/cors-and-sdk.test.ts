import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openTestServers } from "../support/http";

const preflight = (url: string, origin = "https://funnel.example") =>
  fetch(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));

// HTTP behaviour only: the embedded database is enough.
describe("which paths other sites may use", () => {
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  let url: string;
  const sdkDir = mkdtempSync(path.join(tmpdir(), "genie-sdk-"));
  const script = "(()=>{window.GenieTest=1})();";

  beforeAll(async () => {
    servers = await openTestServers("pglite");
    writeFileSync(path.join(sdkDir, "genie-form.js"), script);
    url = await servers.start({ sdkDir });
  });
  afterAll(async () => {
    await servers?.close();
    rmSync(sdkDir, { recursive: true, force: true });
  });

  test("the intake answers a preflight from any origin and lets the page read Retry-After and replays", async () => {
    const response = await preflight(`${url}/api/contacts`, "https://pages.example.org");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://pages.example.org");
    expect(response.headers.get("access-control-allow-methods")).toBe("POST");
    const posted = await fetch(`${url}/api/contacts`, {
      method: "POST",
      headers: { origin: "https://pages.example.org", "content-type": "application/json" },
      body: "{}",
    });
    expect(posted.status).toBe(400);
    expect(posted.headers.get("access-control-allow-origin")).toBe("https://pages.example.org");
    expect(posted.headers.get("access-control-expose-headers")?.split(/,\s*/)).toEqual([
      "retry-after",
      "idempotent-replayed",
    ]);
  });

  test.each([
    "/api/auth/update-user",
    "/api/auth/sign-in/email",
    "/trpc/endpoints.create",
    "/api/contacts.csv",
    "/api/contacts/anything",
    "/healthz",
  ])("%s answers a preflight with no CORS headers", async (pathname) => {
    const response = await preflight(`${url}${pathname}`);
    // Not a preflight answer (tRPC answers OPTIONS itself with 415; the others are 404).
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(corsHeaders(response)).toEqual([]);
  });

  test("a cross-origin request to the dashboard's API gets no CORS headers", async () => {
    const response = await fetch(`${url}/trpc/account.me`, { headers: { origin: "https://funnel.example" } });
    expect(response.status).toBe(401);
    expect(corsHeaders(response)).toEqual([]);
  });

  test("/sdk files are served as JavaScript, cacheable, with an ETag a revalidation matches", async () => {
    const response = await fetch(`${url}/sdk/genie-form.js`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(script);
    expect(response.headers.get("content-type")).toMatch(/^(application|text)\/javascript/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300, stale-while-revalidate=86400");
    expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const etag = response.headers.get("etag");
    expect(etag).toBeTruthy();
    // node:http, as a browser revalidates: fetch() adds `cache-control: no-cache` to conditional requests.
    const again = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      get(`${url}/sdk/genie-form.js`, { headers: { "if-none-match": String(etag) } }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode, body }));
      }).on("error", reject);
    });
    expect(again).toEqual({ status: 304, body: "" });
  });

  test("anything else under /sdk is a 404 (a path climbing out of it a 400), never the dashboard's page", async () => {
    const expected = {
      "/sdk/missing.js": 404,
      "/sdk/": 404,
      "/sdk/.hidden": 404,
      "/sdk/../package.json": 400,
    };
    for (const [pathname, answer] of Object.entries(expected)) {
      // node:http with a path sends it as written: fetch() would resolve `..` itself and ask for
      // /package.json, a dashboard path (its page where the dashboard is built, else a 404).
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const { hostname, port } = new URL(url);
        get({ hostname, port, path: pathname, headers: { accept: "text/html" } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
        }).on("error", reject);
      });
      expect(status, pathname).toBe(answer);
    }
  });
});
