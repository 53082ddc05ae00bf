-- Scale-out of the delivery worker (apps/server/src/delivery/session.ts explains the design).
-- Nothing here is modelled in schema.prisma: Prisma has no triggers, functions or partial indexes.

-- The takeover looks for the holders of leases; only leased rows are indexed (most rows are finished).
CREATE INDEX "webhook_deliveries_locked_by_idx" ON "webhook_deliveries"("locked_by") WHERE "locked_by" IS NOT NULL;

-- Turns of the round robin that shares wake-ups among workers.
CREATE SEQUENCE "genie_wake_turn" AS bigint CYCLE;

-- Wakes one live worker: one that holds its session lock (advisory lock class 1734700645, the key
-- being hashtext(worker id)), listening on the channel genie_wake_<key>. The worker after
-- `after_key` when given (a full worker passing a wake-up on), else the next in the round robin.
-- The payload says how many more times the wake-up may be passed on (`passes`, else one fewer than
-- the live workers): a small number, never delivery ids, so NOTIFY's 8000-byte payload limit never
-- matters (the woken worker claims the rows itself). Workers are found through pg_locks, so a dead
-- worker (its session gone, its lock with it) is never the one woken.
CREATE FUNCTION "genie_wake_worker"(after_key bigint, passes int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  workers bigint[];
  target bigint;
BEGIN
  SELECT array_agg(objid::bigint ORDER BY objid::bigint) INTO workers FROM pg_locks
  -- pg_locks lists every database of the cluster: only this database's workers are ours to wake.
  WHERE locktype = 'advisory' AND classid = 1734700645 AND objsubid = 2 AND granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
  IF workers IS NULL THEN
    RETURN false;
  END IF;
  IF after_key IS NULL THEN
    target := workers[1 + (nextval('genie_wake_turn') % cardinality(workers))::int];
  ELSE
    SELECT coalesce(min(w) FILTER (WHERE w > after_key), min(w)) INTO target FROM unnest(workers) AS w;
    IF target = after_key THEN
      RETURN false;
    END IF;
  END IF;
  PERFORM pg_notify('genie_wake_' || target, coalesce(passes, cardinality(workers) - 1)::text);
  RETURN true;
END $$;

-- Deliveries became due for anyone (written unleased, queued again, leases given back): wake one
-- worker, once per transaction, when it commits (NOTIFY is transactional: a rolled-back insert wakes
-- nobody). Its claim takes every due row it has room for, so one wake-up per transaction is enough.
CREATE FUNCTION "genie_deliveries_due"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('genie.woken', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM set_config('genie.woken', txid_current()::text, true);
    PERFORM genie_wake_worker(NULL, NULL);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "webhook_deliveries_due_on_insert" AFTER INSERT ON "webhook_deliveries"
FOR EACH ROW WHEN (NEW.locked_by IS NULL AND NEW.status = 'pending')
EXECUTE FUNCTION genie_deliveries_due();

CREATE TRIGGER "webhook_deliveries_due_on_update" AFTER UPDATE ON "webhook_deliveries"
FOR EACH ROW WHEN (NEW.locked_by IS NULL AND NEW.status = 'pending' AND NEW.next_attempt_at <= now()
  AND (OLD.status <> 'pending' OR OLD.locked_by IS NOT NULL))
EXECUTE FUNCTION genie_deliveries_due();
