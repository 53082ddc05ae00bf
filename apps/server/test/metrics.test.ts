import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DATABASE_MODES, isModeAvailable } from "./support/databases";
import { registrationBody, seedAccount } from "./support/fixtures";
import { type Pipeline, startPipeline } from "./support/pipeline";
import { statuses, waitFor } from "./support/receiver";

const TOKEN = "metrics-token-for-tests-only";

/** A sample's value in Prometheus text (0 when absent), by its full name with labels. */
function sample(text: string, series: string): number {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`/metrics on ${mode}`, () => {
    let pipeline: Pipeline;

    beforeAll(async () => {
      pipeline = await startPipeline(mode, {
        // Every attempt to /down fails with 503 (retried on the schedule); /up answers 200.
        scripts: { "/down": statuses(...Array.from({ length: 100 }, () => 503)) },
        server: { metricsToken: TOKEN },
      });
    });
    afterAll(async () => {
      await pipeline?.close();
    });

    const scrape = (authorization?: string) =>
      fetch(`${pipeline.url}/metrics`, authorization ? { headers: { authorization } } : {});

    test("refuses a scrape without the token, or with a wrong one, with 401", async () => {
      const none = await scrape();
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: string }).error).toBe("unauthorized");
      expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
      expect((await scrape(TOKEN)).status).toBe(401);
    });

    test("after a burst to one healthy and one failing endpoint, the counters moved, with no account data in any label", async () => {
      const { receiver } = pipeline;
      const account = await seedAccount(pipeline.db.prisma, {
        endpointUrls: [receiver.url("/up"), receiver.url("/down")],
      });
      const before = await (await scrape(`Bearer ${TOKEN}`)).text();
      const burst = 12;
      await Promise.all(
        Array.from({ length: burst }, (_, i) =>
          pipeline.register(registrationBody(account, { email: `burst${i}@example.com` })),
        ),
      );
      const refused = await pipeline.post({ projectId: account.projectId });
      expect(refused.status).toBe(400);
      await waitFor(async () => (receiver.requestsTo("/up").length >= burst ? true : undefined));
      await waitFor(async () => (receiver.requestsTo("/down").length >= burst ? true : undefined));

      // Outcomes are counted once written: wait until the log holds every first attempt.
      await waitFor(async () =>
        (await pipeline.db.prisma.webhookLog.count()) >= 2 * burst ? true : undefined,
      );
      const response = await scrape(`Bearer ${TOKEN}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain");
      const after = await response.text();
      const moved = (series: string) => sample(after, series) - sample(before, series);

      expect(moved("genie_registrations_accepted_total")).toBe(burst);
      expect(moved('genie_registrations_refused_total{reason="validation_failed"}')).toBe(1);
      expect(moved('genie_attempts_total{outcome="succeeded"}')).toBeGreaterThanOrEqual(burst);
      expect(moved('genie_attempts_total{outcome="retrying"}')).toBeGreaterThanOrEqual(burst);
      expect(moved("genie_attempt_duration_seconds_count")).toBeGreaterThanOrEqual(2 * burst);
      expect(moved("genie_record_batch_seconds_count")).toBeGreaterThan(0);
      expect(moved('genie_stage_items_total{stage="send"}')).toBeGreaterThanOrEqual(2 * burst);
      expect(moved('genie_stage_items_total{stage="validate"}')).toBeGreaterThanOrEqual(burst + 1);
      // The failing endpoint's retries are pending: the database-wide gauge sees them.
      expect(sample(after, "genie_database_gauges_holder")).toBe(1);
      expect(sample(after, "genie_deliveries_pending")).toBeGreaterThanOrEqual(1);
      expect(after).toContain("genie_process_resident_memory_bytes");
      if (mode === "postgres")
        expect(after).toContain('genie_db_pool_connections{pool="worker",state="idle"}');

      // Labels are our own words only: no email, URL, or id of the account appears anywhere.
      for (const secret of [
        "burst0@example.com",
        "127.0.0.1",
        account.userId,
        account.projectId,
        ...account.endpointIds,
      ]) {
        expect(after).not.toContain(secret);
      }
    });
  });
}
