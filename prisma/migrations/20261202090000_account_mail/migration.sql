-- Account mail: the mail outbox, per-kind alert switches on the account, and what the alerts job last
-- mailed about each endpoint.
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "alert_disabled" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "alert_failing" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "alert_recovered" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "endpoint_alert_state" (
    "endpoint_id" UUID NOT NULL,
    "failing_since" TIMESTAMPTZ(3),
    "last_failing_mail_at" TIMESTAMPTZ(3),
    "disabled_mailed_for" TIMESTAMPTZ(3),
    "checked_until" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "endpoint_alert_state_pkey" PRIMARY KEY ("endpoint_id")
);

-- CreateTable
CREATE TABLE "mail_outbox" (
    "id" UUID NOT NULL,
    "user_id" UUID,
    "kind" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mail_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "mail_outbox_next_attempt_at_idx" ON "mail_outbox"("next_attempt_at");

-- AddForeignKey
ALTER TABLE "endpoint_alert_state" ADD CONSTRAINT "endpoint_alert_state_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mail_outbox" ADD CONSTRAINT "mail_outbox_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Endpoints that exist at upgrade start from now: their past failures and disablings are not news.
INSERT INTO "endpoint_alert_state" ("endpoint_id", "checked_until", "disabled_mailed_for")
SELECT "id", CURRENT_TIMESTAMP, "disabled_at" FROM "webhook_endpoints";
