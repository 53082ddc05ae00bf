// Provisions a funnel and the CRM endpoint its registrations go to, then prints the embed snippet for
// the landing page and the endpoint's signing secret for the CRM. Safe to run twice: the idempotency
// keys make the second run answer what the first one created.
// Run: GENIE_URL=https://genie.example.com GENIE_API_KEY=gk_… CRM_URL=https://crm.example.com/hook npx tsx provision.ts
import { createGenieClient } from "@genie/client";

const genie = createGenieClient({
  baseUrl: process.env.GENIE_URL ?? "http://127.0.0.1:3000",
  apiKey: process.env.GENIE_API_KEY ?? "",
});
const run = process.env.DEPLOY_ID ?? "launch-2026";

const funnel = await genie.funnels.create.mutate(
  { name: "Launch" },
  { context: { idempotencyKey: `${run}-funnel` } },
);
const { endpoint, secret } = await genie.endpoints.create.mutate(
  { url: process.env.CRM_URL ?? "https://crm.example.com/hook", name: "CRM", projectIds: [funnel.id] },
  { context: { idempotencyKey: `${run}-endpoint` } },
);

console.log(`Funnel ${funnel.id}: paste this into the landing page\n${funnel.embedSnippet}\n`);
console.log(`Endpoint ${endpoint.id} (${endpoint.url}): its signing secret\n${secret}`);
