import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { isWebhookSecretError } from "./errors";
import { generateSecret } from "./secret";
import { signWebhook } from "./sign";

// Expected values are computed here from the definition, with node:crypto, independently of sign.ts.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY = Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64");
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SECONDS = 1614265330;
const BODY = '{"test": 2432232314}';
const v1 = (key: Buffer | string, id: string, seconds: number, body: string | Buffer) =>
  `v1,${createHmac("sha256", key).update(`${id}.${seconds}.`).update(body).digest("base64")}`;
const hex = (secret: string, body: string | Buffer) =>
  createHmac("sha256", secret).update(body).digest("hex");

describe("signWebhook", () => {
  test("matches the Standard Webhooks reference vector", () => {
    // The published example of the Standard Webhooks specification.
    const headers = signWebhook({ id: ID, timestamp: SECONDS, body: BODY, secrets: SECRET });
    expect(headers["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  test("signs id, timestamp and body with the base64-decoded key of a whsec_ secret", () => {
    const headers = signWebhook({ id: ID, timestamp: SECONDS, body: BODY, secrets: [SECRET] });
    expect(headers).toEqual({
      "webhook-id": ID,
      "webhook-timestamp": String(SECONDS),
      "webhook-signature": v1(KEY, ID, SECONDS, BODY),
      "x-webhook-signature": hex(SECRET, BODY),
    });
  });

  test("keys the hex scheme with the secret string exactly as configured, prefix included", () => {
    const headers = signWebhook({ id: ID, timestamp: SECONDS, body: BODY, secrets: SECRET });
    expect(headers["x-webhook-signature"]).toBe(
      createHmac("sha256", Buffer.from(SECRET, "utf8")).update(BODY).digest("hex"),
    );
  });

  test("uses the UTF-8 bytes of a secret without the whsec_ prefix in both schemes", () => {
    const secret = "plain sécret ✓";
    const headers = signWebhook({ id: ID, timestamp: SECONDS, body: BODY, secrets: secret });
    expect(headers["webhook-signature"]).toBe(v1(Buffer.from(secret, "utf8"), ID, SECONDS, BODY));
    expect(headers["x-webhook-signature"]).toBe(hex(secret, BODY));
  });

  test("puts one space-separated signature per secret in each header during a rotation", () => {
    const old = "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==";
    const headers = signWebhook({ id: ID, timestamp: SECONDS, body: BODY, secrets: [SECRET, old] });
    const oldKey = Buffer.from("b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==", "base64");
    expect(headers["webhook-signature"]).toBe(
      `${v1(KEY, ID, SECONDS, BODY)} ${v1(oldKey, ID, SECONDS, BODY)}`,
    );
    expect(headers["x-webhook-signature"]).toBe(`${hex(SECRET, BODY)} ${hex(old, BODY)}`);
  });

  test("signs bytes exactly as given, including bytes that are not valid UTF-8", () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const headers = signWebhook({ id: ID, timestamp: SECONDS, body: bytes, secrets: SECRET });
    expect(headers["webhook-signature"]).toBe(v1(KEY, ID, SECONDS, bytes));
    expect(headers["x-webhook-signature"]).toBe(hex(SECRET, bytes));
  });

  test("takes the timestamp as a Date, in whole seconds, and defaults to now", () => {
    const at = new Date(SECONDS * 1000 + 999);
    expect(signWebhook({ id: ID, timestamp: at, body: BODY, secrets: SECRET })["webhook-timestamp"]).toBe(
      String(SECONDS),
    );
    const before = Math.floor(Date.now() / 1000);
    const now = Number(signWebhook({ id: ID, body: BODY, secrets: SECRET })["webhook-timestamp"]);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(before + 1);
  });

  test("emits only the schemes asked for", () => {
    const headers = signWebhook({
      id: ID,
      timestamp: SECONDS,
      body: BODY,
      secrets: SECRET,
      schemes: ["hex"],
    });
    expect(Object.keys(headers).sort()).toEqual(["webhook-id", "webhook-timestamp", "x-webhook-signature"]);
  });

  test.each([
    ["no secrets", []],
    ["an empty secret", ""],
    ["a whsec_ secret with nothing after the prefix", "whsec_"],
    ["a whsec_ secret that is not base64", "whsec_not*base64!"],
    ["a whsec_ secret with bad base64 length", "whsec_abcde"],
    ["a secret that is not a string", 42],
    ["a list holding a non-string", [SECRET, null]],
  ])("refuses %s with a WebhookSecretError", (_, secrets) => {
    let thrown: unknown;
    try {
      signWebhook({ id: ID, timestamp: SECONDS, body: BODY, secrets: secrets as string });
    } catch (error) {
      thrown = error;
    }
    expect(isWebhookSecretError(thrown)).toBe(true);
  });

  test.each([
    ["an empty id", { id: "" }],
    ["an id with a line break", { id: "a\r\nb" }],
    ["an id with a space", { id: "a b" }],
    ["a timestamp in the wrong unit type", { timestamp: 1.5 }],
    ["an invalid Date", { timestamp: new Date(Number.NaN) }],
    ["a body that is an object", { body: { a: 1 } }],
  ])("refuses %s with a TypeError", (_, override) => {
    const input = { id: ID, timestamp: SECONDS, body: BODY, secrets: SECRET, ...override };
    expect(() => signWebhook(input as Parameters<typeof signWebhook>[0])).toThrow(TypeError);
  });
});

describe("generateSecret", () => {
  test("returns whsec_ and the base64 of 24 random bytes by default", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(24);
    expect(generateSecret()).not.toBe(secret);
  });

  test("accepts longer keys and refuses keys under 24 or over 64 bytes", () => {
    expect(Buffer.from(generateSecret(64).slice(6), "base64")).toHaveLength(64);
    expect(() => generateSecret(16)).toThrow(RangeError);
    expect(() => generateSecret(65)).toThrow(RangeError);
  });
});
