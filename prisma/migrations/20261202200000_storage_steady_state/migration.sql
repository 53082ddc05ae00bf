-- A delivery keeps its body only while it is pending; a finished one is rebuilt from its contact
-- (apps/server/src/services/delivery-bodies.ts), in the format it was sent in, which is kept here.
-- Rows written before this keep their body and carry their endpoint's present format.
ALTER TABLE "webhook_deliveries" ADD COLUMN "payload_format" "payload_format" NOT NULL DEFAULT 'nested';
UPDATE "webhook_deliveries" d SET "payload_format" = e."payload_format"
FROM "webhook_endpoints" e WHERE e."id" = d."endpoint_id" AND e."payload_format" <> 'nested';

-- The claim and the queue gauges read pending rows only: an index of them alone holds the backlog,
-- not every delivery ever made, and a finished delivery leaves it. Prisma's schema cannot declare
-- a partial index, so it lives here only (schema.prisma says so at WebhookDelivery).
DROP INDEX "webhook_deliveries_status_next_attempt_at_idx";
CREATE INDEX "webhook_deliveries_pending_next_attempt_at_idx" ON "webhook_deliveries"("next_attempt_at")
  WHERE "status" = 'pending';

-- Newest-first lists read these indexes backwards. Declared ascending, a new row lands at the right
-- edge of its account's range, where PostgreSQL fills a page before it splits; descending, it landed
-- at the left edge, where every split leaves two half-empty pages (about twice the bytes, measured
-- by the storage benchmark).
DROP INDEX "webhook_deliveries_user_id_created_at_id_idx";
CREATE INDEX "webhook_deliveries_user_id_created_at_id_idx" ON "webhook_deliveries"("user_id", "created_at", "id");
DROP INDEX "contacts_user_id_created_at_id_idx";
CREATE INDEX "contacts_user_id_created_at_id_idx" ON "contacts"("user_id", "created_at", "id");
DROP INDEX "webhook_logs_user_id_created_at_id_idx";
CREATE INDEX "webhook_logs_user_id_created_at_id_idx" ON "webhook_logs"("user_id", "created_at", "id");

-- The log's and the stats' filters by status look for the few deliveries that are not succeeded
-- (pending, retrying, failed, cancelled); succeeded ones, nearly all of them, are listed along the
-- (user_id, created_at, id) index. Partial, so declared here only.
DROP INDEX "webhook_deliveries_user_id_status_created_at_idx";
CREATE INDEX "webhook_deliveries_unsucceeded_idx" ON "webhook_deliveries"("user_id", "status", "created_at")
  WHERE "status" <> 'succeeded';

-- Never queried inside (read whole, for the contact's page and its webhook body): json keeps the
-- text as written, which is smaller than jsonb's binary form (about 60 bytes for the SDK's reference
-- registration, enough for 9 contact rows to a page instead of 8).
ALTER TABLE "contacts" ALTER COLUMN "first_touch" TYPE json USING "first_touch"::json,
  ALTER COLUMN "custom_fields" DROP DEFAULT,
  ALTER COLUMN "custom_fields" TYPE json USING "custom_fields"::json,
  ALTER COLUMN "custom_fields" SET DEFAULT '{}'::json;
