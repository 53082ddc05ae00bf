// A Genie webhook receiver on Node's own HTTP server, no framework.
// Run: GENIE_WEBHOOK_SECRET=whsec_… npx tsx node-http.ts
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createWebhookVerifier,
  isWebhookVerificationError,
  verifyIncomingMessage,
} from "@genie/webhook-core";

const secret = process.env.GENIE_WEBHOOK_SECRET;
if (!secret) throw new Error("set GENIE_WEBHOOK_SECRET to the endpoint's secret (whsec_…)");
// Once, at start: the secret is decoded a single time, and a malformed one stops the process here.
const verifier = createWebhookVerifier({ secrets: secret });

/** Your work. Genie may deliver an event twice (a retry after a lost answer): deduplicate on `id`. */
async function handleEvent(id: string, event: unknown): Promise<void> {
  console.log(`received ${id}`, event);
}

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/webhooks/genie") return res.writeHead(404).end();
  try {
    // Reads the raw body itself (at most 1 MiB) and checks it against the signature headers.
    const { id, body } = await verifyIncomingMessage(req, verifier);
    await handleEvent(id, JSON.parse(body));
    res.writeHead(204).end();
  } catch (error) {
    if (isWebhookVerificationError(error)) {
      // 400: Genie does not retry it, and logs the reason where the account owner sees it.
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: error.reason, message: error.message }));
    } else {
      console.error(error);
      res.writeHead(500).end(); // our own failure: Genie retries later
    }
  }
});

// 127.0.0.1 by default; HOST=0.0.0.0 to accept requests from other machines (in a container, say).
const host = process.env.HOST ?? "127.0.0.1";
server.listen(Number(process.env.PORT ?? 3000), host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://${host}:${port}/webhooks/genie`);
});
