-- A due time was stored to the millisecond, and PostgreSQL rounds: a row written as due now() was,
-- half the time, due up to half a millisecond in the future. The claim that its wake-up started
-- right after the commit then did not see it (the mail or the delivery waited for the next poll),
-- and a delivery queued again with next_attempt_at = now() did not even fire the wake-up trigger
-- below, whose condition compares the stored value with now(). Stored to the microsecond, as now()
-- is, a row written as due now is due now. (Raising the precision rewrites nothing: the values and
-- their 8 bytes stay as they are.)

-- PostgreSQL does not alter the type of a column a trigger's condition uses: drop it, put it back.
DROP TRIGGER "webhook_deliveries_due_on_update" ON "webhook_deliveries";

ALTER TABLE "webhook_deliveries" ALTER COLUMN "next_attempt_at" SET DATA TYPE TIMESTAMPTZ(6);
ALTER TABLE "mail_outbox" ALTER COLUMN "next_attempt_at" SET DATA TYPE TIMESTAMPTZ(6);

CREATE TRIGGER "webhook_deliveries_due_on_update" AFTER UPDATE ON "webhook_deliveries"
FOR EACH ROW WHEN (NEW.locked_by IS NULL AND NEW.status = 'pending' AND NEW.next_attempt_at <= now()
  AND (OLD.status <> 'pending' OR OLD.locked_by IS NOT NULL))
EXECUTE FUNCTION genie_deliveries_due();
