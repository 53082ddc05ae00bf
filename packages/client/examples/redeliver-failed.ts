// Lists the deliveries that failed in the last 24 hours, then sends them all again (a nightly cron
// job after a CRM outage, say). Needs a write key.
// Run: GENIE_URL=https://genie.example.com GENIE_API_KEY=gk_… npx tsx redeliver-failed.ts
import { createGenieClient, isGenieError } from "@genie/client";

const genie = createGenieClient({
  baseUrl: process.env.GENIE_URL ?? "http://127.0.0.1:3000",
  apiKey: process.env.GENIE_API_KEY ?? "",
});
const to = new Date();
const from = new Date(to.getTime() - 24 * 3_600_000);

let cursor: string | undefined;
let failed = 0;
do {
  const page = await genie.logs.list.query({
    status: "failed",
    from: from.toISOString(),
    to: to.toISOString(),
    cursor,
  });
  for (const attempt of page.items) {
    console.log(
      `${attempt.createdAt} ${attempt.eventType} → ${attempt.webhookUrl}: ${attempt.statusCode ?? attempt.errorKind}`,
    );
  }
  failed += page.items.length;
  cursor = page.nextCursor ?? undefined;
} while (cursor);

try {
  const { count, more } = await genie.deliveries.redeliverFailed.mutate({
    from: from.toISOString(),
    to: to.toISOString(),
  });
  console.log(
    `${failed} failed attempts listed; ${count} deliveries queued again${more ? " (more remain: run again)" : ""}`,
  );
} catch (error) {
  // A read key may list but not redeliver: the reason says so, whatever the message's words.
  if (isGenieError(error) && error.reason === "api_key_read_only") {
    console.error("This key may only read: create a write key on the account page.");
    process.exitCode = 1;
  } else throw error;
}
