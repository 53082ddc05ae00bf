// A Genie webhook receiver on Fastify 5.
// Run: GENIE_WEBHOOK_SECRET=whsec_… npx tsx fastify.ts
import { createWebhookVerifier, isWebhookVerificationError } from "@genie/webhook-core";
import Fastify from "fastify";

const secret = process.env.GENIE_WEBHOOK_SECRET;
if (!secret) throw new Error("set GENIE_WEBHOOK_SECRET to the endpoint's secret (whsec_…)");
// Once, at start: the secret is decoded a single time, and a malformed one stops the process here.
const verifier = createWebhookVerifier({ secrets: secret });

/** Your work. Genie may deliver an event twice (a retry after a lost answer): deduplicate on `id`. */
async function handleEvent(id: string, event: unknown): Promise<void> {
  console.log(`received ${id}`, event);
}

const fastify = Fastify();

// JSON as raw bytes, in a scope of its own: the rest of the app keeps Fastify's JSON parser.
fastify.register(async (scope) => {
  scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );
  scope.post("/webhooks/genie", async (request, reply) => {
    const rawBody = request.body as Buffer;
    try {
      const { id } = verifier.verify(rawBody, request.headers);
      await handleEvent(id, JSON.parse(rawBody.toString("utf8")));
      return reply.code(204).send();
    } catch (error) {
      // Anything else is our own failure: Fastify answers 500 for it, and Genie retries later.
      if (!isWebhookVerificationError(error)) throw error;
      // 400: Genie does not retry it, and logs the reason where the account owner sees it.
      return reply.code(400).send({ error: error.reason, message: error.message });
    }
  });
});

// 127.0.0.1 by default; HOST=0.0.0.0 to accept requests from other machines (in a container, say).
const host = process.env.HOST ?? "127.0.0.1";
const address = await fastify.listen({ port: Number(process.env.PORT ?? 3000), host });
console.log(`listening on ${address}/webhooks/genie`);
