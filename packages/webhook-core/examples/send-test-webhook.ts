// Sends one signed test webhook to a receiver on this machine, as Genie sends them (same headers, same
// retries), to try a receiver before connecting it to Genie.
// Run: GENIE_WEBHOOK_SECRET=whsec_… npx tsx send-test-webhook.ts http://127.0.0.1:3000/webhooks/genie
import { createSsrfGuardedAgent, isWebhookDeliveryError, sendWebhook } from "@genie/webhook-core";

const url = process.argv[2] ?? "http://127.0.0.1:3000/webhooks/genie";
const secret = process.env.GENIE_WEBHOOK_SECRET;
if (!secret) throw new Error("set GENIE_WEBHOOK_SECRET to the endpoint's secret (whsec_…)");

// The SSRF guard refuses loopback and private addresses, as Genie does for the URLs its users enter:
// allow this machine, for this test only.
const dispatcher = createSsrfGuardedAgent({ allow: ["127.0.0.1", "::1", "localhost"] });
try {
  const { id } = await sendWebhook({
    url,
    payload: {
      event: "registration.submitted",
      timestamp: new Date().toISOString(),
      data: { email: "ada@example.com", name: "Ada Lovelace" },
    },
    secrets: secret,
    dispatcher,
    onAttempt: ({ attempt, result, outcome }) =>
      console.log(`attempt ${attempt}: ${result.statusCode ?? result.errorKind} (${outcome})`),
  });
  console.log(`delivered ${id}`);
} catch (error) {
  if (!isWebhookDeliveryError(error)) throw error;
  console.error(`not delivered: ${error.message}`, error.body ?? "");
  process.exitCode = 1;
} finally {
  await dispatcher.close();
}
