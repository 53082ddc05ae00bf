import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  isWebhookSecretError,
  isWebhookVerificationError,
  type VerificationFailure,
  type WebhookVerificationError,
} from "./errors";
import type { HeadersLike, VerifiedWebhook, VerifierOptions } from "./parse";
import { signWebhook } from "./sign";
import { createWebhookVerifier, verifyHexSignature, verifyWebhook } from "./verify";
import * as web from "./web";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER = "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  event: "registration.submitted",
  data: { email: "ada@example.com", name: "Ada" },
});
const clock = { now: () => NOW * 1000 };
const signed = (overrides: Partial<Parameters<typeof signWebhook>[0]> = {}) =>
  signWebhook({ id: "msg_1", timestamp: NOW, body: BODY, secrets: SECRET, ...overrides });

// Both verifiers must agree on every input, so every behaviour below runs against both.
type Verify = (payload: unknown, headers: unknown, options: VerifierOptions) => Promise<VerifiedWebhook>;
const verifiers: [string, Verify][] = [
  [
    "node",
    async (payload, headers, options) => verifyWebhook(payload as string, headers as HeadersLike, options),
  ],
  [
    "web",
    (payload, headers, options) => web.verifyWebhook(payload as string, headers as HeadersLike, options),
  ],
];

async function reasonOf(promise: Promise<unknown>): Promise<VerificationFailure | "accepted"> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (!isWebhookVerificationError(error)) throw error; // anything else is a crash
    return error.reason;
  }
}

/** The error a verification failed with; fails the test when it passed or crashed otherwise. */
async function failureOf(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  const error = await promise.then(
    () => new Error("the webhook was accepted"),
    (error: unknown) => error,
  );
  if (!isWebhookVerificationError(error)) throw error;
  return error;
}

describe.each(verifiers)("the %s verifier", (_, verify) => {
  test("accepts a signed webhook and returns its id and timestamp", async () => {
    await expect(verify(BODY, signed(), { secrets: SECRET, ...clock })).resolves.toEqual({
      id: "msg_1",
      timestamp: NOW,
    });
  });

  test("accepts the body as a string, a Buffer, a Uint8Array or an ArrayBuffer", async () => {
    const bytes = new TextEncoder().encode(BODY);
    for (const payload of [BODY, Buffer.from(BODY), bytes, bytes.buffer]) {
      expect(await reasonOf(verify(payload, signed(), { secrets: SECRET, ...clock }))).toBe("accepted");
    }
  });

  test("accepts Fetch Headers and records with names in any case", async () => {
    const headers = signed();
    const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(await reasonOf(verify(BODY, new Headers(headers), { secrets: SECRET, ...clock }))).toBe(
      "accepted",
    );
    expect(await reasonOf(verify(BODY, shouting, { secrets: SECRET, ...clock }))).toBe("accepted");
    expect(
      await reasonOf(verify(BODY, { ...headers, "webhook-id": ["msg_1"] }, { secrets: SECRET, ...clock })),
    ).toBe("accepted");
  });

  test("accepts a signature made with any of several candidate secrets", async () => {
    const headers = signed({ secrets: OTHER });
    expect(await reasonOf(verify(BODY, headers, { secrets: [SECRET, OTHER], ...clock }))).toBe("accepted");
  });

  test("accepts a rotated request when it holds only one of the two signatures' secrets", async () => {
    const headers = signed({ secrets: [OTHER, SECRET] });
    expect(await reasonOf(verify(BODY, headers, { secrets: SECRET, ...clock }))).toBe("accepted");
  });

  test("skips signatures of unknown versions and still finds the v1 one", async () => {
    const headers = signed();
    headers["webhook-signature"] = `v2,abc v1a,${"A".repeat(44)} ${headers["webhook-signature"]}`;
    expect(await reasonOf(verify(BODY, headers, { secrets: SECRET, ...clock }))).toBe("accepted");
  });

  test("accepts a timestamp exactly at the tolerance in both directions", async () => {
    for (const timestamp of [NOW - 300, NOW + 300]) {
      expect(await reasonOf(verify(BODY, signed({ timestamp }), { secrets: SECRET, ...clock }))).toBe(
        "accepted",
      );
    }
  });

  test("rejects a signature older than the tolerance", async () => {
    expect(
      await reasonOf(verify(BODY, signed({ timestamp: NOW - 301 }), { secrets: SECRET, ...clock })),
    ).toBe("timestamp-too-old");
  });

  test("rejects a timestamp further in the future than the tolerance", async () => {
    expect(
      await reasonOf(verify(BODY, signed({ timestamp: NOW + 301 }), { secrets: SECRET, ...clock })),
    ).toBe("timestamp-too-new");
  });

  test("applies a configured tolerance", async () => {
    const headers = signed({ timestamp: NOW - 20 });
    expect(await reasonOf(verify(BODY, headers, { secrets: SECRET, toleranceSeconds: 10, ...clock }))).toBe(
      "timestamp-too-old",
    );
    expect(await reasonOf(verify(BODY, headers, { secrets: SECRET, toleranceSeconds: 30, ...clock }))).toBe(
      "accepted",
    );
  });

  test("ignores the timestamp window only when told to, and still checks that the timestamp is signed", async () => {
    const old = signed({ timestamp: 1_000_000_000 });
    expect(await reasonOf(verify(BODY, old, { secrets: SECRET, ignoreTimestamp: true, ...clock }))).toBe(
      "accepted",
    );
    const tampered = { ...old, "webhook-timestamp": "1000000001" };
    expect(await reasonOf(verify(BODY, tampered, { secrets: SECRET, ignoreTimestamp: true, ...clock }))).toBe(
      "no-matching-signature",
    );
  });

  test("rejects a body changed by a single byte", async () => {
    expect(await reasonOf(verify(`${BODY} `, signed(), { secrets: SECRET, ...clock }))).toBe(
      "no-matching-signature",
    );
  });

  test("rejects a re-serialised body even when it is the same JSON", async () => {
    const reformatted = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(await reasonOf(verify(reformatted, signed(), { secrets: SECRET, ...clock }))).toBe(
      "no-matching-signature",
    );
  });

  test("rejects a signature made with another secret", async () => {
    expect(await reasonOf(verify(BODY, signed({ secrets: OTHER }), { secrets: SECRET, ...clock }))).toBe(
      "no-matching-signature",
    );
  });

  test("uses the real clock by default", async () => {
    const fresh = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });
    expect(await reasonOf(verify(BODY, fresh, { secrets: SECRET }))).toBe("accepted");
    expect(await reasonOf(verify(BODY, signed(), { secrets: SECRET }))).toBe("timestamp-too-old");
  });

  test("says how old a stale request is and what the tolerance is", async () => {
    const error = await failureOf(
      verify(BODY, signed({ timestamp: NOW - 412 }), { secrets: SECRET, ...clock }),
    );
    expect(error.message).toBe(
      "webhook-timestamp is 412 s old, beyond the tolerance of 300 s: a replayed request, or this server's clock is wrong",
    );
  });

  test("says how far in the future a timestamp is and what the tolerance is", async () => {
    const options = { secrets: SECRET, toleranceSeconds: 60, ...clock };
    const error = await failureOf(verify(BODY, signed({ timestamp: NOW + 75 }), options));
    expect(error.message).toBe(
      "webhook-timestamp is 75 s in the future, beyond the tolerance of 60 s: this server's clock or the sender's is wrong",
    );
  });

  test("reports a webhook-signature without any well-formed signature as a malformed header, not a mismatch", async () => {
    for (const garbage of ["garbage", "v1:abc", "sha256=0123abcd", "v1,", ",abc", "v1,abc$"]) {
      const error = await failureOf(
        verify(BODY, { ...signed(), "webhook-signature": garbage }, { secrets: SECRET, ...clock }),
      );
      expect([garbage, error.reason, error.message]).toEqual([
        garbage,
        "invalid-header",
        'webhook-signature is malformed: expected space-separated signatures like "v1,<base64>"',
      ]);
    }
  });

  test("names the body as well as the secret when no signature matches", async () => {
    const error = await failureOf(verify(`${BODY} `, signed(), { secrets: SECRET, ...clock }));
    expect(error.message).toBe(
      "no signature in webhook-signature matches: the body is not the one that was signed (changed on the way, or parsed and serialised again?), or it was signed with another secret",
    );
  });

  test("says a JSON parser ran first, and how to fix it in Express and Fastify, when the body is an object", async () => {
    const error = await failureOf(verify(JSON.parse(BODY), signed(), { secrets: SECRET, ...clock }));
    expect(error.message).toMatch(
      /^the payload is an object, not the raw body: a JSON parser ran before verification/,
    );
    expect(error.message).toContain('express.raw({ type: "application/json" })');
    expect(error.message).toContain('{ parseAs: "buffer" }');
  });

  const good = signed();
  const sig = good["webhook-signature"] as string;
  const badInputs: [string, unknown, unknown, VerificationFailure][] = [
    ["no headers at all", BODY, {}, "missing-header"],
    ["null instead of headers", BODY, null, "invalid-header"],
    ["a string instead of headers", BODY, "webhook-id: x", "invalid-header"],
    ["a missing webhook-id", BODY, { ...good, "webhook-id": undefined }, "missing-header"],
    ["an empty webhook-id", BODY, { ...good, "webhook-id": "" }, "missing-header"],
    ["a missing webhook-timestamp", BODY, { ...good, "webhook-timestamp": undefined }, "missing-header"],
    ["a missing webhook-signature", BODY, { ...good, "webhook-signature": undefined }, "missing-header"],
    ["an empty webhook-signature", BODY, { ...good, "webhook-signature": "" }, "missing-header"],
    ["a repeated webhook-id", BODY, { ...good, "webhook-id": ["a", "b"] }, "invalid-header"],
    ["a numeric header value", BODY, { ...good, "webhook-timestamp": NOW }, "invalid-header"],
    ["an object header value", BODY, { ...good, "webhook-signature": { v1: sig } }, "invalid-header"],
    [
      "a 100 kB webhook-signature",
      BODY,
      { ...good, "webhook-signature": `${sig} `.repeat(2000) },
      "invalid-header",
    ],
    ["a 100 kB webhook-id", BODY, { ...good, "webhook-id": "m".repeat(100_000) }, "invalid-header"],
    ["a non-numeric timestamp", BODY, { ...good, "webhook-timestamp": "yesterday" }, "invalid-timestamp"],
    [
      "a timestamp with trailing text",
      BODY,
      { ...good, "webhook-timestamp": `${NOW}abc` },
      "invalid-timestamp",
    ],
    ["a negative timestamp", BODY, { ...good, "webhook-timestamp": `-${NOW}` }, "invalid-timestamp"],
    ["a fractional timestamp", BODY, { ...good, "webhook-timestamp": `${NOW}.5` }, "invalid-timestamp"],
    ["a timestamp in milliseconds", BODY, { ...good, "webhook-timestamp": `${NOW}000` }, "invalid-timestamp"],
    ["a huge timestamp", BODY, { ...good, "webhook-timestamp": "9".repeat(40) }, "invalid-timestamp"],
    [
      "a truncated signature",
      BODY,
      { ...good, "webhook-signature": sig.slice(0, -4) },
      "no-matching-signature",
    ],
    [
      "a signature without its version",
      BODY,
      { ...good, "webhook-signature": sig.slice(3) },
      "invalid-header",
    ],
    [
      "a signature of version v1a",
      BODY,
      { ...good, "webhook-signature": sig.replace("v1,", "v1a,") },
      "no-matching-signature",
    ],
    [
      "a signature of version v2",
      BODY,
      { ...good, "webhook-signature": sig.replace("v1,", "v2,") },
      "no-matching-signature",
    ],
    [
      "a signature that is not base64",
      BODY,
      { ...good, "webhook-signature": `v1,${"*".repeat(44)}` },
      "invalid-header",
    ],
    [
      "a hex signature in the v1 slot",
      BODY,
      { ...good, "webhook-signature": `v1,${"ab".repeat(32)}` },
      "no-matching-signature",
    ],
    ["only separators", BODY, { ...good, "webhook-signature": "   ,,, " }, "invalid-header"],
    ["a body that was parsed to an object", JSON.parse(BODY), good, "invalid-payload"],
    ["a body that is a number", 42, good, "invalid-payload"],
    ["no body", undefined, good, "invalid-payload"],
  ];
  test.each(badInputs)("rejects %s with a typed error", async (_, payload, headers, reason) => {
    expect(await reasonOf(verify(payload, headers, { secrets: SECRET, ...clock }))).toBe(reason);
  });

  test.each([
    ["no secrets", []],
    ["an empty secret", ""],
    ["a whsec_ secret that is not base64", "whsec_%%%"],
    ["a secret that is not a string", { key: "x" }],
  ])("refuses to verify with %s, with a WebhookSecretError", async (_, secrets) => {
    const result = (async () => verify(BODY, good, { secrets: secrets as string, ...clock }))();
    await expect(result).rejects.toSatisfy(isWebhookSecretError);
  });
});

describe("createWebhookVerifier", () => {
  test("prepares the keys once and verifies many requests", () => {
    const verifier = createWebhookVerifier({ secrets: SECRET, ...clock });
    for (let i = 0; i < 3; i++) expect(verifier.verify(BODY, signed({ id: `msg_${i}` })).id).toBe(`msg_${i}`);
  });

  test("refuses a negative tolerance", () => {
    expect(() => createWebhookVerifier({ secrets: SECRET, toleranceSeconds: -1 })).toThrow(TypeError);
  });
});

describe("verifyHexSignature", () => {
  const hexHeaders = (secret: string, body = BODY) => ({
    "x-webhook-signature": createHmac("sha256", secret).update(body).digest("hex"),
  });

  test("accepts the spec's hex signature keyed with the secret string", () => {
    expect(() => verifyHexSignature(BODY, hexHeaders(SECRET), { secrets: SECRET })).not.toThrow();
    expect(() => verifyHexSignature(BODY, signed(), { secrets: SECRET })).not.toThrow();
  });

  test("accepts any of several space-separated signatures and secrets", () => {
    const headers = signed({ secrets: [OTHER, SECRET] });
    expect(() =>
      verifyHexSignature(Buffer.from(BODY), headers, { secrets: ["whsec_x", SECRET] }),
    ).not.toThrow();
  });

  const NEW = "whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldy1zZWNyZXQ=";
  const reasonOfHex = (headers: HeadersLike, secrets: string | string[] = SECRET, body: unknown = BODY) => {
    try {
      verifyHexSignature(body as string, headers, { secrets });
      return "accepted";
    } catch (error) {
      if (!isWebhookVerificationError(error)) throw error; // a RangeError from timingSafeEqual would land here
      return error.reason;
    }
  };

  test("accepts the two signatures of a rotation with either secret alone", () => {
    const rotated = signed({ secrets: [NEW, SECRET] });
    expect(rotated["x-webhook-signature"]).toMatch(/^[0-9a-f]{64} [0-9a-f]{64}$/);
    expect(reasonOfHex(rotated, NEW)).toBe("accepted");
    expect(reasonOfHex(rotated, SECRET)).toBe("accepted");
    expect(reasonOfHex(rotated, OTHER)).toBe("no-matching-signature");
  });

  test("accepts a signature in uppercase hex", () => {
    const upper = hexHeaders(SECRET)["x-webhook-signature"].toUpperCase();
    expect(reasonOfHex({ "x-webhook-signature": upper })).toBe("accepted");
  });

  test("rejects a request without x-webhook-signature as missing-header", () => {
    expect(reasonOfHex({})).toBe("missing-header");
    expect(reasonOfHex({ "x-webhook-signature": "" })).toBe("missing-header");
  });

  test("rejects a malformed x-webhook-signature as invalid-header, whatever its length", () => {
    const valid = hexHeaders(SECRET)["x-webhook-signature"];
    for (const malformed of ["abc", valid.slice(1), `${valid}00`, `sha256=${valid}`, "z".repeat(64)]) {
      expect([malformed, reasonOfHex({ "x-webhook-signature": malformed })]).toEqual([
        malformed,
        "invalid-header",
      ]);
    }
  });

  test("skips malformed candidates beside a good one instead of throwing", () => {
    const valid = hexHeaders(SECRET)["x-webhook-signature"];
    expect(reasonOfHex({ "x-webhook-signature": `abc ${valid}` })).toBe("accepted");
  });

  test("rejects a missing header, a changed body and another secret with typed errors", () => {
    const cases: [unknown, unknown, VerificationFailure][] = [
      [BODY, {}, "missing-header"],
      [`${BODY}!`, hexHeaders(SECRET), "no-matching-signature"],
      [BODY, hexHeaders(OTHER), "no-matching-signature"],
      [BODY, { "x-webhook-signature": "abc" }, "invalid-header"],
      [{}, hexHeaders(SECRET), "invalid-payload"],
    ];
    for (const [payload, headers, reason] of cases) {
      expect(() =>
        verifyHexSignature(payload as string, headers as HeadersLike, { secrets: SECRET }),
      ).toThrow(expect.objectContaining({ reason }));
    }
  });
});
