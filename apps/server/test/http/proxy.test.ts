import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { HttpSettings } from "../../src/config";
import { DEFAULT_HTTP_SETTINGS } from "../../src/http/security";
import { httpClient, openTestServers, PASSWORD, TEST_AUTH_SECRET, trpcResult } from "../support/http";

// What a TLS proxy on the same machine adds to every request it forwards.
const PUBLIC_URL = "https://genie.example.com";
const viaProxy = (client: string) => ({
  "x-forwarded-for": client,
  "x-forwarded-proto": "https",
  "x-forwarded-host": "genie.example.com",
});

type Project = { embedSnippet: string };

// HTTP behaviour only: the embedded database is enough (the database modes are tested elsewhere).
describe("behind a reverse proxy", () => {
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  beforeAll(async () => {
    servers = await openTestServers("pglite");
  });
  afterAll(() => servers?.close());

  const start = (http: Partial<HttpSettings>) =>
    servers.start({
      http: { ...DEFAULT_HTTP_SETTINGS, ...http },
      intake: { perClientPerMinute: 2 },
      api: {
        auth: {
          secret: TEST_AUTH_SECRET,
          loginAttemptsPerMinute: 2,
          signInThrottle: { max: 100, windowSeconds: 60 },
        },
      },
    });

  describe("with GENIE_PUBLIC_URL and GENIE_TRUST_PROXY=127.0.0.1", () => {
    let url: string;
    beforeAll(async () => {
      url = await start({ publicUrl: PUBLIC_URL, trustProxy: ["127.0.0.1"] });
    });

    test("sign-up and sign-in over the proxy succeed, with a Secure session cookie that signs tRPC in", async () => {
      const browser = httpClient(url, { origin: PUBLIC_URL, headers: viaProxy("203.0.113.7") });
      const { cookie, setCookie } = await browser.signUp("proxied@example.com");
      expect(setCookie[0]).toMatch(/^__Secure-better-auth\.session_token=/);
      expect(setCookie[0]).toMatch(/; Secure/i);
      const signIn = await browser.signIn("proxied@example.com", PASSWORD);
      expect(signIn.status).toBe(200);
      expect(signIn.headers.getSetCookie()[0]).toMatch(/; Secure/i);
      expect(
        (await trpcResult<{ email: string }>(await browser.query("account.me", cookie))).data?.email,
      ).toBe("proxied@example.com");
    });

    test("embed snippets name the public https address", async () => {
      const browser = httpClient(url, { origin: PUBLIC_URL, headers: viaProxy("203.0.113.8") });
      const { cookie } = await browser.signUp("snippets@example.com");
      const created = await trpcResult<Project>(
        await browser.mutation("funnels.create", { name: "Launch" }, cookie),
      );
      expect(created.data?.embedSnippet).toContain(`src="${PUBLIC_URL}/sdk/genie-form.js"`);
      expect(created.data?.embedSnippet).toContain(`data-api="${PUBLIC_URL}"`);
    });

    test("sign-in from the server's internal address is not a trusted origin any more", async () => {
      const direct = httpClient(url, { headers: viaProxy("203.0.113.9") });
      const response = await direct.signIn("proxied@example.com", PASSWORD);
      expect(response.status).toBe(403);
    });

    test("rate limits count each client behind the proxy separately", async () => {
      const first = httpClient(url, { origin: PUBLIC_URL, headers: viaProxy("198.51.100.1") });
      const second = httpClient(url, { origin: PUBLIC_URL, headers: viaProxy("198.51.100.2") });
      // The intake allows 2 registrations a minute per client here, sign-in 2 attempts.
      const intake = [];
      for (let i = 0; i < 3; i++) intake.push((await first.post("/api/contacts", {})).status);
      expect(intake).toEqual([400, 400, 429]);
      expect((await second.post("/api/contacts", {})).status).toBe(400);

      const signIns = [];
      for (let i = 0; i < 3; i++)
        signIns.push((await first.signIn("nobody@example.com", "wrong password")).status);
      expect(signIns).toEqual([401, 401, 429]);
      expect((await second.signIn("nobody@example.com", "wrong password")).status).toBe(401);
    });
  });

  describe("without GENIE_PUBLIC_URL, trusting no proxy (the defaults)", () => {
    let url: string;
    beforeAll(async () => {
      url = await start({});
    });

    test("local sign-in over plain http still works, with a cookie that is not Secure", async () => {
      const browser = httpClient(url);
      const { setCookie } = await browser.signUp("local@example.com");
      expect(setCookie[0]).toMatch(/^better-auth\.session_token=/);
      expect(setCookie[0]).not.toMatch(/Secure/i);
      expect((await browser.signIn("local@example.com", PASSWORD)).status).toBe(200);
    });

    test("forged forwarding headers change neither the client address nor the server's own address", async () => {
      // A server of its own, so no other test's attempts count here.
      const url = await start({});
      const forger = (n: number) => httpClient(url, { headers: viaProxy(`192.0.2.${n}`) });
      const intake = [];
      for (let i = 1; i <= 3; i++) intake.push((await forger(i).post("/api/contacts", {})).status);
      expect(intake).toEqual([400, 400, 429]);
      const signIns = [];
      for (let i = 1; i <= 3; i++)
        signIns.push((await forger(i).signIn("nobody@example.com", "wrong")).status);
      expect(signIns).toEqual([401, 401, 429]);

      const { cookie } = await httpClient(url).signUp("forged@example.com");
      const created = await trpcResult<Project>(
        await forger(9).mutation("funnels.create", { name: "Launch" }, cookie),
      );
      expect(created.data?.embedSnippet).toContain(`src="${url}/sdk/genie-form.js"`);
      expect(created.data?.embedSnippet).not.toContain("genie.example.com");
    });
  });
});
