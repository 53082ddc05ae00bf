import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { DEFAULT_HTTP_SETTINGS } from "../../src/http/security";
import { DATABASE_MODES, isModeAvailable } from "../support/databases";
import { httpClient, openTestServers, PASSWORD, TEST_AUTH_SECRET } from "../support/http";

type Refusal = { code: string; message: string; fieldErrors?: Record<string, string[]> };

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`account input on ${mode}`, () => {
    let servers: Awaited<ReturnType<typeof openTestServers>>;
    let db: Database;
    let url: string;

    beforeAll(async () => {
      servers = await openTestServers(mode);
      db = servers.db;
      url = await servers.start({
        // Behind a proxy on this machine, so each attempt below can come from another address.
        http: { ...DEFAULT_HTTP_SETTINGS, trustProxy: ["127.0.0.1"] },
        api: { auth: { secret: TEST_AUTH_SECRET, signInThrottle: { max: 5, windowSeconds: 600 } } },
      });
    });
    afterAll(() => servers?.close());

    const from = (n: number) => httpClient(url, { headers: { "x-forwarded-for": `198.51.100.${n}` } });

    test.each([
      ["a 1,000-character name", { name: "n".repeat(1000) }, "name: must be at most 200 characters"],
      ["an empty name", { name: "   " }, "name: must not be empty"],
      [
        "a name with a NUL",
        { name: "Eve\u0000" },
        "name: must not contain control characters (found U+0000)",
      ],
      ["an over-long address", { email: `${"e".repeat(250)}@example.com` }, "email: "],
      ["an image from the client", { image: "javascript:alert(1)" }, 'Unrecognized key: "image"'],
      ["a callback URL", { callbackURL: "/welcome" }, 'Unrecognized key: "callbackURL"'],
    ])("sign-up with %s is refused with 400 and stores nothing", async (_what, change, problem) => {
      const email = `refused-${Math.random().toString(36).slice(2)}@example.com`;
      const response = await from(1).post("/api/auth/sign-up/email", {
        name: "Eve",
        email,
        password: PASSWORD,
        ...change,
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Refusal;
      expect(body.code).toBe("VALIDATION_FAILED");
      const problems = [
        ...(body.message.startsWith("Unrecognized") ? [body.message] : []),
        ...Object.entries(body.fieldErrors ?? {}).flatMap(([field, messages]) =>
          messages.map((m) => `${field}: ${m}`),
        ),
      ];
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(problem);
      expect(response.headers.getSetCookie()).toEqual([]);
      const emails = [email, ...("email" in change ? [change.email] : [])];
      expect(await db.prisma.user.count({ where: { email: { in: emails } } })).toBe(0);
    });

    test("sign-up stores the name trimmed, as the shared schema parses it", async () => {
      await from(2).post("/api/auth/sign-up/email", {
        name: "  Ada  ",
        email: "ada@example.com",
        password: PASSWORD,
      });
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email: "ada@example.com" } });
      expect(user.name).toBe("Ada");
      expect(user.image).toBeNull();
    });

    test("update-user takes a valid name and nothing else", async () => {
      const client = from(3);
      const { cookie } = await client.signUp("profile@example.com");
      const update = (body: unknown) => client.post("/api/auth/update-user", body, { cookie });
      expect((await update({ image: "javascript:alert(1)" })).status).toBe(400);
      expect((await update({ name: "Mallory", image: "https://evil.example/x.png" })).status).toBe(400);
      const tooLong = await update({ name: "n".repeat(201) });
      expect(tooLong.status).toBe(400);
      expect(((await tooLong.json()) as Refusal).fieldErrors).toEqual({
        name: ["must be at most 200 characters"],
      });
      expect((await update({ name: " Grace " })).status).toBe(200);
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email: "profile@example.com" } });
      expect([user.name, user.image]).toEqual(["Grace", null]);
    });

    test("sign-in attempts are limited per account, whatever address they come from", async () => {
      await from(4).signUp("target@example.com");
      await from(4).signUp("bystander@example.com");
      const statuses = [];
      // 5 attempts per account here; each from an address of its own, under the per-address limit.
      for (let i = 10; i < 15; i++)
        statuses.push((await from(i).signIn("TARGET@example.com", "wrong password")).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      const right = await from(20).signIn("target@example.com", PASSWORD);
      expect(right.status).toBe(429);
      expect(((await right.json()) as Refusal).message).toMatch(
        /^Too many sign-in attempts for this account: try again in \d+ min\.$/,
      );
      expect(right.headers.getSetCookie()).toEqual([]);
      expect((await from(21).signIn("bystander@example.com", PASSWORD)).status).toBe(200);
    });

    test("a successful sign-in clears the account's count", async () => {
      await from(5).signUp("typo@example.com");
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++)
          expect((await from(30 + i).signIn("typo@example.com", "wrong")).status).toBe(401);
        expect((await from(40 + round).signIn("typo@example.com", PASSWORD)).status).toBe(200);
      }
    });
  });
}
