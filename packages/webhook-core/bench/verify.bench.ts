// Verify throughput of a ~650-byte registration webhook: our Node verifier, the `standardwebhooks`
// package, and a bare node:crypto HMAC + timingSafeEqual loop (the floor no verifier can beat), in one
// process, interleaved so that machine noise hits all three alike. Bounded in time; prints ops/s and
// ratios. Run: pnpm --filter @genie/webhook-core bench
import { createHmac, timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { createWebhookVerifier, generateSecret, signWebhook } from "../src/index";

const ROUNDS = 5;
const ROUND_MS = 400;
const WARMUP_MS = 300;

const body = JSON.stringify({
  type: "registration.submitted",
  id: "evt_01J9ZK3W7S8QJX0V5N6M2R4T8Y",
  timestamp: "2025-03-14T09:26:53.589Z",
  data: {
    contactId: "ct_01J9ZK3W7S8QJX0V5N6M2R4T8Y",
    email: "ada.lovelace@example.com",
    name: "Ada Lovelace",
    funnel: {
      projectId: "proj_8c1f2e",
      pageId: "page_41d09a",
      name: "Spring launch webinar",
      url: "https://example.com/spring",
    },
    visitor: {
      ip: "203.0.113.7",
      userAgent:
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
      referrer: "https://www.google.com/",
      language: "en-GB",
    },
    utm: {
      source: "newsletter",
      medium: "email",
      campaign: "spring_launch_2025",
      term: "webinar",
      content: "hero_button",
    },
  },
});

const secret = generateSecret();
const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const headers = signWebhook({ id, body, secrets: secret, schemes: ["standard-webhooks"] });
const timestamp = headers["webhook-timestamp"] as string;

const ours = createWebhookVerifier({ secrets: secret });
// jsonParse off: it would otherwise also parse the body, which our verifier leaves to the caller.
const theirs = new Webhook(secret);
const keyBytes = Buffer.from(secret.slice("whsec_".length), "base64");
const expected = Buffer.from((headers["webhook-signature"] as string).slice(3), "base64");

const contenders: Record<string, () => void> = {
  "@genie/webhook-core": () => {
    ours.verify(body, headers);
  },
  standardwebhooks: () => {
    theirs.verify(body, headers, { jsonParse: false });
  },
  "bare node:crypto": () => {
    const mac = createHmac("sha256", keyBytes).update(`${id}.${timestamp}.${body}`).digest();
    if (!timingSafeEqual(mac, expected)) throw new Error("bare loop: mismatch");
  },
};

function opsPerSecond(fn: () => void, ms: number): number {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 500; i++) fn();
    ops += 500;
  }
  return ops / ((performance.now() - start) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

for (const fn of Object.values(contenders)) fn(); // each one verifies, or this throws before timing
for (const fn of Object.values(contenders)) opsPerSecond(fn, WARMUP_MS);
const samples = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(contenders)) samples.get(name)?.push(opsPerSecond(fn, ROUND_MS));
}

const result = new Map([...samples].map(([name, s]) => [name, median(s)]));
const ops = (name: string) => result.get(name) ?? Number.NaN;
const [o, s, b] = [ops("@genie/webhook-core"), ops("standardwebhooks"), ops("bare node:crypto")];
console.log(
  `verify, ${Buffer.byteLength(body)}-byte payload, Node ${process.version}, median of ${ROUNDS} rounds`,
);
for (const [name, perSecond] of result)
  console.log(`  ${name.padEnd(22)} ${Math.round(perSecond).toLocaleString("en-US").padStart(10)} ops/s`);
console.log(`  ours / standardwebhooks  ${(o / s).toFixed(2)}x   (goal >= 4)`);
console.log(`  ours / bare node:crypto  ${(o / b).toFixed(2)}    (goal >= 0.8)`);
