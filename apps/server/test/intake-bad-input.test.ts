import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { buildServer } from "../src/server";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { registrationBody, type SeededAccount, seedAccount } from "./support/fixtures";

type BadRequest = { name: string; body: string; contentType?: string; headers?: Record<string, string> };

/** Malformed registrations: each must be refused with a 4xx JSON error and store nothing. */
function corpus(account: SeededAccount): BadRequest[] {
  const valid = registrationBody(account);
  const json = (name: string, value: unknown): BadRequest => ({ name, body: JSON.stringify(value) });
  const without = (key: string) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key));
  const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  return [
    json("missing email", without("email")),
    json("missing projectId", without("projectId")),
    json("empty object", {}),
    json("email is a number", { ...valid, email: 42 }),
    json("email is null", { ...valid, email: null }),
    json("email is an array", { ...valid, email: ["a@example.com"] }),
    json("email without an at sign", { ...valid, email: "visitor.example.com" }),
    json("email with spaces", { ...valid, email: "vis itor@example.com" }),
    json("email too long", { ...valid, email: `${"a".repeat(250)}@example.com` }),
    json("email empty", { ...valid, email: "" }),
    json("name is an object", { ...valid, name: { first: "A" } }),
    json("name too long", { ...valid, name: "n".repeat(201) }),
    json("projectId not a uuid", { ...valid, projectId: "project-1" }),
    json("projectId a number", { ...valid, projectId: 1 }),
    json("projectId SQL", { ...valid, projectId: "' OR 1=1 --" }),
    json("pageId not a uuid", { ...valid, pageId: "home" }),
    json("pageUrl not a URL", { ...valid, pageUrl: "not a url" }),
    json("pageUrl javascript scheme", { ...valid, pageUrl: "javascript:alert(1)" }),
    json("pageUrl file scheme", { ...valid, pageUrl: "file:///etc/passwd" }),
    json("pageUrl too long", { ...valid, pageUrl: `https://example.com/${"p".repeat(2100)}` }),
    json("landingPage a number", { ...valid, landingPage: 7 }),
    json("referrer an object", { ...valid, referrer: { href: "x" } }),
    json("visitorId too long", { ...valid, visitorId: "v".repeat(200) }),
    json("utm is a string", { ...valid, utm: "newsletter" }),
    json("utm has an unknown key", { ...valid, utm: { source: "a", sauce: "b" } }),
    json("utm source is a number", { ...valid, utm: { source: 1 } }),
    json("utm source too long", { ...valid, utm: { source: "s".repeat(501) } }),
    json("fields is an array", { ...valid, fields: ["a"] }),
    json("fields nest an object", { ...valid, fields: { address: { city: "X" } } }),
    json("fields nest an array", { ...valid, fields: { tags: ["a", "b"] } }),
    json("fields key with spaces", { ...valid, fields: { "first name": "A" } }),
    json("fields key starting with a digit", { ...valid, fields: { "1st": "A" } }),
    json("too many fields", {
      ...valid,
      fields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, i])),
    }),
    json("field value too long", { ...valid, fields: { note: "x".repeat(2001) } }),
    json("unknown top-level key", { ...valid, mail: "typo@example.com" }),
    json("firstTouch landingPage not a URL", { ...valid, firstTouch: { landingPage: "nope" } }),
    json("firstTouch at not a date", { ...valid, firstTouch: { at: "yesterday" } }),
    json("body is an array", [valid]),
    json("body is a string", "visitor@example.com"),
    json("body is a number", 12),
    json("body is null", null),
    json("body is true", true),
    {
      name: "prototype pollution at top level",
      body: `{"__proto__":{"admin":true},${JSON.stringify(valid).slice(1)}`,
    },
    {
      name: "prototype pollution in fields",
      body: JSON.stringify({ ...valid, fields: {} }).replace('"fields":{}', '"fields":{"__proto__":{"x":1}}'),
    },
    json("constructor pollution", { ...valid, constructor: { prototype: { admin: true } } }),
    json("deep nesting in fields", { ...valid, fields: JSON.parse(deep(50)) }),
    { name: "deep nesting as the body", body: deep(5000) },
    { name: "not JSON", body: "email=visitor@example.com" },
    { name: "truncated JSON", body: JSON.stringify(valid).slice(0, 40) },
    { name: "empty body", body: "" },
    { name: "JSON with a trailing comma", body: '{"email":"a@example.com",}' },
    { name: "oversized body", body: JSON.stringify({ ...valid, name: "n".repeat(20_000) }) },
    {
      name: "wrong content type: form",
      body: "email=a%40example.com",
      contentType: "application/x-www-form-urlencoded",
    },
    { name: "wrong content type: text", body: JSON.stringify(valid), contentType: "text/plain" },
    { name: "wrong content type: xml", body: "<contact/>", contentType: "application/xml" },
    {
      name: "invalid Idempotency-Key",
      body: JSON.stringify(valid),
      headers: { "idempotency-key": "has spaces in it" },
    },
    {
      name: "Idempotency-Key too long",
      body: JSON.stringify(valid),
      headers: { "idempotency-key": "k".repeat(300) },
    },
  ];
}

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`POST /api/contacts refuses malformed input on ${mode}`, () => {
    let db: Database;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let url: string;
    let account: SeededAccount;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      app = await buildServer({ db, intake: { perClientPerMinute: 10_000 } });
      url = await app.listen({ port: 0, host: "127.0.0.1" });
      account = await seedAccount(db.prisma, { endpointUrls: ["http://127.0.0.1:9/hook"] });
    });
    afterAll(async () => {
      await app?.close();
      await db?.close();
    });

    test("with a 4xx JSON error for each of at least 50 bad bodies, storing nothing", async () => {
      const cases = corpus(account);
      expect(cases.length).toBeGreaterThanOrEqual(50);
      const outcomes: string[] = [];
      for (const bad of cases) {
        const response = await fetch(`${url}/api/contacts`, {
          method: "POST",
          headers: { "content-type": bad.contentType ?? "application/json", ...bad.headers },
          body: bad.body,
        });
        const answer = (await response.json()) as { statusCode: number; error: string; message: string };
        const ok = response.status >= 400 && response.status < 500 && answer.statusCode === response.status;
        if (!ok || !answer.message)
          outcomes.push(`${bad.name}: ${response.status} ${JSON.stringify(answer)}`);
      }
      expect(outcomes).toEqual([]);
      expect(await db.prisma.contact.count()).toBe(0);
      expect(await db.prisma.webhookDelivery.count()).toBe(0);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    test("names the fields that are wrong", async () => {
      const response = await fetch(`${url}/api/contacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...registrationBody(account), email: "nope", utm: { source: 3 } }),
      });
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: string; fieldErrors: Record<string, string[]> };
      expect(answer.error).toBe("validation_failed");
      expect(answer.fieldErrors.email).toEqual(["must be a valid email address"]);
      expect(Object.keys(answer.fieldErrors)).toContain("utm.source");
    });
  });
}
