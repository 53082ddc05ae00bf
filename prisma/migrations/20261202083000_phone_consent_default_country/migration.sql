-- Phone (E.164) and consent are first-class on a contact; a funnel project says which country's
-- national phone numbers its forms collect (issue 20).
ALTER TABLE "contacts" ADD COLUMN "phone" TEXT,
ADD COLUMN "consent_given" BOOLEAN,
ADD COLUMN "consent_text" TEXT,
ADD COLUMN "consent_at" TIMESTAMPTZ(3);

ALTER TABLE "funnel_projects" ADD COLUMN "default_country" TEXT;
