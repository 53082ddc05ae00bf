-- Data lifecycle: bodies can be removed (retention, erasure), old logs found cheaply, erasures recorded.
-- AlterTable
ALTER TABLE "webhook_deliveries" ALTER COLUMN "body" DROP NOT NULL;

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_events_user_id_created_at_idx" ON "audit_events"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_logs_created_at_idx" ON "webhook_logs" USING BRIN ("created_at");

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- No query uses contacts(user_id, email): every email lookup compares lower(email) (search, erasure
-- by email, the logs' contact filter), which this index cannot serve. About 60 bytes a contact.
DROP INDEX "contacts_user_id_email_idx";
