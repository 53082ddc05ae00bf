// A Genie webhook receiver on Express 5.
// Run: GENIE_WEBHOOK_SECRET=whsec_… npx tsx express.ts
import {
  createWebhookVerifier,
  isWebhookVerificationError,
  verifyIncomingMessage,
} from "@genie/webhook-core";
import express from "express";

const secret = process.env.GENIE_WEBHOOK_SECRET;
if (!secret) throw new Error("set GENIE_WEBHOOK_SECRET to the endpoint's secret (whsec_…)");
// Once, at start: the secret is decoded a single time, and a malformed one stops the process here.
const verifier = createWebhookVerifier({ secrets: secret });

/** Your work. Genie may deliver an event twice (a retry after a lost answer): deduplicate on `id`. */
async function handleEvent(id: string, event: unknown): Promise<void> {
  console.log(`received ${id}`, event);
}

const app = express();

// The raw bytes for this route, registered before any express.json(): a JSON parser that runs first
// leaves nothing to verify. express.raw refuses bodies over 100 kB by default (413, which Genie does
// not retry): 1 MiB leaves room for large custom fields.
app.post("/webhooks/genie", express.raw({ type: "application/json", limit: "1mb" }), async (req, res) => {
  try {
    const { id, body } = await verifyIncomingMessage(req, verifier, { rawBody: req.body });
    await handleEvent(id, JSON.parse(body));
    res.sendStatus(204);
  } catch (error) {
    // Anything else is our own failure: Express 5 answers 500 for it, and Genie retries later.
    if (!isWebhookVerificationError(error)) throw error;
    // 400: Genie does not retry it, and logs the reason where the account owner sees it.
    res.status(400).json({ error: error.reason, message: error.message });
  }
});

app.use(express.json()); // the rest of the app parses JSON as usual

// 127.0.0.1 by default; HOST=0.0.0.0 to accept requests from other machines (in a container, say).
const host = process.env.HOST ?? "127.0.0.1";
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : process.env.PORT;
  console.log(`listening on http://${host}:${port}/webhooks/genie`);
});
