// A Genie webhook receiver for any runtime with Fetch `Request` and `Response`: Next.js route handlers,
// Cloudflare Workers, Deno, Bun, Hono. The `/web` entry verifies with Web Crypto, so it runs on the
// edge too. Run on Node (served by Hono): GENIE_WEBHOOK_SECRET=whsec_… npx tsx fetch.ts

import { createWebhookVerifier, isWebhookVerificationError, verifyRequest } from "@genie/webhook-core/web";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const secret = process.env.GENIE_WEBHOOK_SECRET;
if (!secret) throw new Error("set GENIE_WEBHOOK_SECRET to the endpoint's secret (whsec_…)");
// Once, at start: the secret is decoded a single time, and a malformed one stops the process here.
const verifier = createWebhookVerifier({ secrets: secret });

/** Your work. Genie may deliver an event twice (a retry after a lost answer): deduplicate on `id`. */
async function handleEvent(id: string, event: unknown): Promise<void> {
  console.log(`received ${id}`, event);
}

export async function handleGenieWebhook(request: Request): Promise<Response> {
  try {
    // Reads the raw body (at most 1 MiB) and checks it against the signature headers.
    const { id, body } = await verifyRequest(request, verifier);
    await handleEvent(id, JSON.parse(body));
    return new Response(null, { status: 204 });
  } catch (error) {
    if (isWebhookVerificationError(error)) {
      // 400: Genie does not retry it, and logs the reason where the account owner sees it.
      return Response.json({ error: error.reason, message: error.message }, { status: 400 });
    }
    console.error(error);
    return new Response(null, { status: 500 }); // our own failure: Genie retries later
  }
}

// Next.js, in app/webhooks/genie/route.ts: export { handleGenieWebhook as POST };
// Cloudflare Workers: export default { fetch: handleGenieWebhook }, with the secret from `env`.
// Hono, here served on Node:
const app = new Hono().post("/webhooks/genie", (c) => handleGenieWebhook(c.req.raw));

// 127.0.0.1 by default; HOST=0.0.0.0 to accept requests from other machines (in a container, say).
const hostname = process.env.HOST ?? "127.0.0.1";
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname }, ({ port }) => {
  console.log(`listening on http://${hostname}:${port}/webhooks/genie`);
});
