-- Contact deletion (ON DELETE SET NULL) and the logs filter by contact email reach deliveries by contact.
CREATE INDEX "webhook_deliveries_contact_id_idx" ON "webhook_deliveries"("contact_id");
