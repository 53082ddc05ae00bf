import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { UNAUTHORIZED_MESSAGE } from "../../src/errors";
import { buildServer } from "../../src/server";
import { createApiKey } from "../../src/services/api-keys";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

const PASSWORD = "correct horse battery";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`accounts over HTTP on ${mode}`, () => {
    let db: Database;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let url: string;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      app = await buildServer({
        db,
        api: { auth: { secret: "test-secret-test-secret-test-secret!", loginAttemptsPerMinute: 5 } },
      });
      url = await app.listen({ port: 0, host: "127.0.0.1" });
    });
    afterAll(async () => {
      await app?.close();
      await db?.close();
    });

    /** Browsers send Origin with every POST; Node's fetch does not, so tests add it. */
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: url, ...headers },
        body: JSON.stringify(body),
      });
    const cookieOf = (response: Response) =>
      response.headers
        .getSetCookie()
        .map((cookie) => cookie.split(";")[0])
        .join("; ");
    const signUp = async (email: string) => {
      const response = await post("/api/auth/sign-up/email", { name: "Owner", email, password: PASSWORD });
      expect(response.status).toBe(200);
      return cookieOf(response);
    };
    const trpcQuery = (path: string, cookie?: string) =>
      fetch(`${url}/trpc/${path}`, { headers: cookie ? { cookie } : {} });

    test("sign-up sets an HTTP-only session cookie that signs tRPC calls in", async () => {
      const response = await post("/api/auth/sign-up/email", {
        name: "Alice",
        email: "alice@example.com",
        password: PASSWORD,
      });
      expect(response.status).toBe(200);
      const [cookie] = response.headers.getSetCookie();
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      const me = await trpcQuery("account.me", cookieOf(response));
      expect(me.status).toBe(200);
      expect(((await me.json()) as { result: { data: { email: string } } }).result.data.email).toBe(
        "alice@example.com",
      );
    });

    test("the password is stored hashed, never as typed", async () => {
      const user = await db.prisma.user.findUniqueOrThrow({
        where: { email: "alice@example.com" },
        include: { accounts: true },
      });
      expect(user.accounts[0]?.password).toBeTruthy();
      expect(user.accounts[0]?.password).not.toContain(PASSWORD);
    });

    test("an anonymous tRPC call is answered 401 UNAUTHORIZED", async () => {
      const response = await trpcQuery("endpoints.list");
      expect(response.status).toBe(401);
      const body = (await response.json()) as {
        error: { data: { code: string; reason: string; stack?: string } };
      };
      expect(body.error.data.code).toBe("UNAUTHORIZED");
      expect(body.error.data.reason).toBe("unauthorized");
      expect(body.error.data.stack).toBeUndefined();
    });

    test("a bad tRPC input is a 400 naming the field, with no stack trace", async () => {
      const cookie = await signUp("typo@example.com");
      const response = await fetch(`${url}/trpc/endpoints.create`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, origin: url },
        body: JSON.stringify({ url: "not a url" }),
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).not.toContain("    at ");
      const { error } = JSON.parse(text) as {
        error: { data: { code: string; reason: string; fieldErrors: Record<string, string[]> } };
      };
      expect(error.data.code).toBe("BAD_REQUEST");
      expect(error.data.reason).toBe("validation_failed");
      expect(Object.keys(error.data.fieldErrors)).toEqual(["url"]);
      expect(await db.prisma.webhookEndpoint.count()).toBe(0);
    });

    test("sign-out ends the session at once: the old cookie no longer signs in", async () => {
      const cookie = await signUp("leaving@example.com");
      expect((await trpcQuery("account.me", cookie)).status).toBe(200);
      expect((await post("/api/auth/sign-out", {}, { cookie })).status).toBe(200);
      expect((await trpcQuery("account.me", cookie)).status).toBe(401);
    });

    test("a sign-in from another site's page is refused", async () => {
      const response = await post(
        "/api/auth/sign-in/email",
        { email: "alice@example.com", password: PASSWORD },
        { origin: "https://evil.example" },
      );
      expect(response.status).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    test("CSV export: the account's own contacts, spreadsheet formulas defused; anonymous gets 401", async () => {
      const aliceCookie = await signUp("csv-alice@example.com");
      const bobCookie = await signUp("csv-bob@example.com");
      const alice = await db.prisma.user.findUniqueOrThrow({ where: { email: "csv-alice@example.com" } });
      const project = await db.prisma.funnelProject.create({ data: { userId: alice.id, name: "P" } });
      await db.prisma.contact.create({
        data: {
          userId: alice.id,
          funnelProjectId: project.id,
          email: "lead@example.com",
          name: '=HYPERLINK("x")',
        },
      });
      const own = await fetch(`${url}/api/contacts.csv`, { headers: { cookie: aliceCookie } });
      expect(own.status).toBe(200);
      expect(own.headers.get("content-type")).toMatch(/^text\/csv/);
      const lines = (await own.text()).trim().split("\r\n");
      expect(lines[0]).toMatch(/^created_at,email,name,/);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`lead@example.com,"'=HYPERLINK(""x"")"`);

      const other = await fetch(`${url}/api/contacts.csv`, { headers: { cookie: bobCookie } });
      expect((await other.text()).trim().split("\r\n")).toHaveLength(1);
      expect((await fetch(`${url}/api/contacts.csv`)).status).toBe(401);

      // An API key (read scope is enough) exports its account's contacts, as a script would.
      const { key } = await createApiKey(db, alice.id, { name: "Nightly export", scope: "read" });
      const withKey = await fetch(`${url}/api/contacts.csv`, { headers: { authorization: `Bearer ${key}` } });
      expect(withKey.status).toBe(200);
      expect((await withKey.text()).trim().split("\r\n")).toEqual(lines);
      // A request with an Authorization header is judged by its key alone: a bad key with a good
      // cookie is refused.
      const badKey = await fetch(`${url}/api/contacts.csv`, {
        headers: {
          authorization: `Bearer ${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`,
          cookie: aliceCookie,
        },
      });
      expect(badKey.status).toBe(401);
      expect(((await badKey.json()) as { message: string }).message).toBe(UNAUTHORIZED_MESSAGE);
    });

    test("login attempts are rate-limited per client address, and forged forwarding headers do not reset it", async () => {
      const attempt = (headers: Record<string, string> = {}) =>
        post("/api/auth/sign-in/email", { email: "alice@example.com", password: "wrong password" }, headers);
      const statuses: number[] = [];
      // The limit is 5 a minute here; the cross-origin attempt above may have counted one already.
      for (let i = 0; i < 6; i++) statuses.push((await attempt()).status);
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      const forged = await attempt({ "x-forwarded-for": "203.0.113.9", "x-genie-client-ip": "203.0.113.10" });
      expect(forged.status).toBe(429);
      const right = await post("/api/auth/sign-in/email", { email: "alice@example.com", password: PASSWORD });
      expect(right.status).toBe(429);
    });
  });
}
