-- Per-endpoint pacing (apps/server/src/delivery/scheduler.ts): limits shared by every worker process.
-- NULL: no limit of the endpoint's own (the worker's GENIE_ENDPOINT_CONCURRENCY still applies).
ALTER TABLE "webhook_endpoints" ADD COLUMN "rate_limit_per_second" INTEGER;
ALTER TABLE "webhook_endpoints" ADD COLUMN "max_concurrency" INTEGER;
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_rate_limit_per_second_check"
  CHECK ("rate_limit_per_second" IS NULL OR "rate_limit_per_second" BETWEEN 1 AND 10000);
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_max_concurrency_check"
  CHECK ("max_concurrency" IS NULL OR "max_concurrency" BETWEEN 1 AND 10000);
