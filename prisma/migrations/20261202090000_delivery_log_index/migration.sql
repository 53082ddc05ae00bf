-- The dashboard's delivery log: one row per delivery, newest first within an account, by keyset on
-- (created_at, id). Filters (state, status class, endpoint, event type) are checked along this index.
CREATE INDEX "webhook_deliveries_user_id_created_at_id_idx" ON "webhook_deliveries"("user_id", "created_at" DESC, "id" DESC);

-- Every email lookup compares lower(email) (the log's search by contact email, the logs' contact
-- filter, erasure by email): without this they read every contact of the account. Prisma's schema
-- cannot declare an expression index, so it lives here only (schema.prisma says so at Contact).
CREATE INDEX "contacts_user_id_lower_email_idx" ON "contacts"("user_id", lower("email"));
