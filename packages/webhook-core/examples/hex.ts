// A receiver of the original Genie signature, `x-webhook-signature: hex(HMAC-SHA256(body, secret))`,
// on Express 5. It has no timestamp, so it cannot refuse a replayed request: prefer the Standard
// Webhooks headers (the other examples), which every Genie request carries too.
// Run: GENIE_WEBHOOK_SECRET=whsec_… npx tsx hex.ts
import { isWebhookVerificationError, verifyHexSignature } from "@genie/webhook-core";
import express from "express";

const secret = process.env.GENIE_WEBHOOK_SECRET;
if (!secret) throw new Error("set GENIE_WEBHOOK_SECRET to the endpoint's secret (whsec_…)");

/** Your work. Genie may deliver an event twice (a retry after a lost answer): deduplicate on `id`. */
async function handleEvent(id: string, event: unknown): Promise<void> {
  console.log(`received ${id}`, event);
}

const app = express();

app.post("/webhooks/genie", express.raw({ type: "application/json", limit: "1mb" }), async (req, res) => {
  try {
    // Keyed with the secret exactly as shown, whsec_ included. During a rotation the header holds
    // two signatures; hex is compared case-insensitively and in constant time.
    verifyHexSignature(req.body, req.headers, { secrets: secret });
    // webhook-id is not covered by this signature, but Genie sends it with every request.
    await handleEvent(req.get("webhook-id") ?? "", JSON.parse(req.body.toString("utf8")));
    res.sendStatus(204);
  } catch (error) {
    // Anything else is our own failure: Express 5 answers 500 for it, and Genie retries later.
    if (!isWebhookVerificationError(error)) throw error;
    // 400: Genie does not retry it, and logs the reason where the account owner sees it.
    res.status(400).json({ error: error.reason, message: error.message });
  }
});

// 127.0.0.1 by default; HOST=0.0.0.0 to accept requests from other machines (in a container, say).
const host = process.env.HOST ?? "127.0.0.1";
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : process.env.PORT;
  console.log(`listening on http://${host}:${port}/webhooks/genie`);
});
