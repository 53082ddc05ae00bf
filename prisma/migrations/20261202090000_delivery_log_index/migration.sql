-- The dashboard's delivery log: one row per delivery, newest first within an account, by keyset on
-- (created_at, id). Filters (state, status class, endpoint, event type) are checked along this index.
CREATE INDEX "webhook_deliveries_user_id_created_at_id_idx" ON "webhook_deliveries"("user_id", "created_at" DESC, "id" DESC);
