// Peers: the reference `standardwebhooks` package and `svix` must accept what we send, and we must
// accept what they sign, including rotated multi-signature headers.
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, test } from "vitest";
import { generateSecret } from "./secret";
import { signWebhook } from "./sign";
import { createWebhookVerifier } from "./verify";
import * as web from "./web";

const BODY = JSON.stringify({ event: "registration.submitted", data: { email: "zoë@example.com" } });
const ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";

describe.each([
  [
    "standardwebhooks",
    (secret: string | Uint8Array, o?: { format: "raw" }) => new StandardWebhook(secret, o),
  ],
  ["svix", (secret: string | Uint8Array, o?: { format: "raw" }) => new SvixWebhook(secret, o)],
])("with %s", (_, peer) => {
  test("its verifier accepts our signature", () => {
    const secret = generateSecret();
    const headers = signWebhook({ id: ID, body: BODY, secrets: secret });
    expect(() => peer(secret).verify(BODY, headers)).not.toThrow();
  });

  test("its verifier accepts our rotated headers with either secret", () => {
    const [next, previous] = [generateSecret(), generateSecret()];
    const headers = signWebhook({ id: ID, body: BODY, secrets: [next, previous] });
    expect(() => peer(next).verify(BODY, headers)).not.toThrow();
    expect(() => peer(previous).verify(BODY, headers)).not.toThrow();
    expect(() => peer(generateSecret()).verify(BODY, headers)).toThrow();
  });

  test("its verifier accepts a secret without whsec_ when given the secret's UTF-8 bytes in raw format", () => {
    const secret = "a plain shared secret ✓";
    const headers = signWebhook({ id: ID, body: BODY, secrets: secret });
    expect(() =>
      peer(new TextEncoder().encode(secret), { format: "raw" }).verify(BODY, headers),
    ).not.toThrow();
    // Passed as a plain string it would be base64-decoded into a different key: documented in the README.
    expect(() => peer(secret).verify(BODY, headers)).toThrow();
  });

  test("our verifiers accept its signature, alone and among rotated signatures", async () => {
    const secret = generateSecret();
    const now = new Date();
    const theirs = peer(secret).sign(ID, now, BODY);
    const stranger = peer(generateSecret()).sign(ID, now, BODY);
    const timestamp = String(Math.floor(now.getTime() / 1000));
    for (const signature of [theirs, `${stranger} ${theirs}`]) {
      const headers = { "webhook-id": ID, "webhook-timestamp": timestamp, "webhook-signature": signature };
      expect(createWebhookVerifier({ secrets: secret }).verify(BODY, headers)).toEqual({
        id: ID,
        timestamp: Number(timestamp),
      });
      await expect(
        web.createWebhookVerifier({ secrets: secret }).verify(BODY, headers),
      ).resolves.toMatchObject({ id: ID });
    }
  });

  test("every form of a secret its verifier accepts, ours accept too", async () => {
    const secret = generateSecret();
    const bare = secret.slice("whsec_".length);
    const headers = signWebhook({ id: ID, body: BODY, secrets: secret });
    // What people paste: the whole secret, the key without its prefix, either with a .env newline.
    for (const form of [secret, bare, `${secret}\n`, `${bare}\n`]) {
      expect(() => peer(form).verify(BODY, headers)).not.toThrow();
      expect(createWebhookVerifier({ secrets: form }).verify(BODY, headers).id).toBe(ID);
      await expect(web.createWebhookVerifier({ secrets: form }).verify(BODY, headers)).resolves.toMatchObject(
        {
          id: ID,
        },
      );
    }
  });

  test("we sign exactly what it signs", () => {
    const secret = generateSecret();
    const at = new Date(1_700_000_000_000);
    const ours = signWebhook({ id: ID, timestamp: at, body: BODY, secrets: secret })["webhook-signature"];
    expect(ours).toBe(peer(secret).sign(ID, at, BODY));
  });
});
