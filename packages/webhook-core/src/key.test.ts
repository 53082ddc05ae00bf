import { describe, expect, test } from "vitest";
import { isWebhookSecretError } from "./errors";
import { signWebhook } from "./sign";
import { createWebhookVerifier } from "./verify";
import * as web from "./web";

const KEY_BASE64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SECRET = `whsec_${KEY_BASE64}`;
const BODY = '{"event":"registration.submitted"}';

/** The WebhookSecretError message a verifier gives for these secrets; fails the test if it accepts them. */
function secretMessage(secrets: unknown): string {
  try {
    createWebhookVerifier({ secrets: secrets as string });
  } catch (error) {
    if (isWebhookSecretError(error)) return error.message;
    throw error;
  }
  throw new Error("the secret was accepted");
}

describe("a secret that cannot be used", () => {
  test("that is undefined is named, with the likely cause: an unset environment variable", () => {
    expect(secretMessage(undefined)).toBe(
      "expected the secret as a string (or an array of strings during a rotation), got undefined: is the environment variable set?",
    );
  });

  test("that is not a string says what it got instead", () => {
    expect(secretMessage(null)).toMatch(/got null$/);
    expect(secretMessage(42)).toMatch(/got a number$/);
    expect(secretMessage({ key: SECRET })).toMatch(/got an object$/);
    expect(secretMessage([SECRET, 42])).toBe("secrets[1] must be a string, got a number");
  });

  test("that is an empty string or an empty array says so", () => {
    expect(secretMessage("")).toBe(
      "the secret is an empty string: is the environment variable set but empty?",
    );
    expect(secretMessage([])).toBe("expected at least one secret, got an empty array");
    expect(secretMessage([SECRET, ""])).toMatch(/^secrets\[1\] is an empty string/);
  });

  test("that is only whitespace says so", () => {
    expect(secretMessage(" \n")).toBe("the secret is only whitespace");
  });

  test("that is only the whsec_ prefix says the key after it is missing", () => {
    expect(secretMessage("whsec_")).toBe(
      "the secret is only the whsec_ prefix: the key that follows it is missing",
    );
  });

  test("with a character that is not base64 after whsec_ gives its position, not the character", () => {
    expect(secretMessage(`whsec_${KEY_BASE64.slice(0, 4)}%${KEY_BASE64.slice(5)}`)).toBe(
      "the part after whsec_ is not standard base64: character 11 of the secret is not A-Z, a-z, 0-9, + or /",
    );
  });

  test("in URL-safe base64 says to use + and /", () => {
    expect(secretMessage("whsec_ab-_")).toMatch(/\(- and _ are URL-safe base64: use \+ and \/\)$/);
  });

  test("with base64 of a wrong length says the length or padding is wrong", () => {
    expect(secretMessage(`whsec_${KEY_BASE64}a`)).toMatch(/its length or its = padding is wrong/);
  });

  test("is refused the same way by the Web Crypto verifier", () => {
    expect(() => web.createWebhookVerifier({ secrets: undefined as unknown as string })).toThrow(
      /got undefined: is the environment variable set\?/,
    );
  });
});

/** The `webhook-id` that the Node and the Web Crypto verifier each return for these headers. */
async function idsFromBoth(secrets: string, headers: Record<string, string>): Promise<string[]> {
  return [
    createWebhookVerifier({ secrets }).verify(BODY, headers).id,
    (await web.createWebhookVerifier({ secrets }).verify(BODY, headers)).id,
  ];
}

describe("a secret with whitespace around it", () => {
  const headers = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });

  test("verifies once trimmed, as a secret read from a .env file with its newline", async () => {
    for (const padded of [`${SECRET}\n`, `${SECRET}\r\n`, ` ${SECRET}\t`]) {
      expect(await idsFromBoth(padded, headers)).toEqual(["msg_1", "msg_1"]);
    }
  });

  test("signs exactly as the trimmed secret does, in both schemes", () => {
    const at = 1_700_000_000;
    expect(signWebhook({ id: "msg_1", timestamp: at, body: BODY, secrets: `${SECRET}\n` })).toEqual(
      signWebhook({ id: "msg_1", timestamp: at, body: BODY, secrets: SECRET }),
    );
  });
});

describe("a whsec_ secret pasted without its prefix", () => {
  const headers = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });

  test("verifies a request signed with the whole secret, as the standardwebhooks and svix verifiers do", async () => {
    expect(await idsFromBoth(KEY_BASE64, headers)).toEqual(["msg_1", "msg_1"]);
  });

  test("still verifies a request signed with the same string as a plain secret (its UTF-8 bytes)", async () => {
    const plain = signWebhook({ id: "msg_2", body: BODY, secrets: KEY_BASE64 });
    expect(await idsFromBoth(KEY_BASE64, plain)).toEqual(["msg_2", "msg_2"]);
  });

  test("does not make a different secret match", () => {
    const other = signWebhook({
      id: "msg_3",
      body: BODY,
      secrets: "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==",
    });
    expect(() => createWebhookVerifier({ secrets: KEY_BASE64 }).verify(BODY, other)).toThrow(
      expect.objectContaining({ reason: "no-matching-signature" }),
    );
  });
});
