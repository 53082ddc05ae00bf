import type { SqlRunner } from "../db";
import { isRowRefusal } from "../db/errors";
import { type Metrics, timeStage } from "../metrics";
import type { AttemptRecord } from "./contract";
import { type LeaseRule, recordAttempts, recordUnrecordable } from "./store";

/** Writing an attempt's outcome is tried again this often while the database is unreachable. */
const RECORD_RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000, 60_000, 60_000];

/** Outcomes written together, each under the lease (worker id) its attempt was made under. */
export type RecordedBatch = { holder: string; records: AttemptRecord[] };

export type OutcomeRecorderOptions = {
  sql: SqlRunner;
  leaseRule: LeaseRule;
  /** Finished attempts written per statement. */
  batchSize: number;
  onError(error: unknown, what: string): void;
  /**
   * After a batch of attempts is recorded (committed): the one place to follow what the worker
   * logged (the live log feed, retries due soon). Records written in the reduced form (see
   * `recordUnrecordable`) are not in it.
   */
  onRecorded?(batch: RecordedBatch): void;
  metrics?: Metrics;
};

/**
 * Records outcomes of finished attempts in batches: while one batch is being written, those that
 * finish meanwhile wait for the next, so a busy worker writes hundreds per statement and an idle one
 * writes each at once. An outcome the database refuses is written in a reduced form that ends its
 * delivery as failed; one it cannot take because it is away is tried again later (bounded), its
 * lease held meanwhile.
 */
export class OutcomeRecorder {
  private readonly options: OutcomeRecorderOptions;
  private readonly finished: { record: AttemptRecord; holder: string; tries: number }[] = [];
  private writing: Promise<void> | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: OutcomeRecorderOptions) {
    this.options = options;
  }

  /** Queues an outcome, written under `holder`'s lease; writing starts at once if none is under way. */
  add(record: AttemptRecord, holder: string): void {
    this.finished.push({ record, holder, tries: 0 });
    void this.flush();
  }

  /** Resolves once every queued outcome has been written (or put aside for a later try). */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    // Nothing to write: the body below would then end before its first await, clearing `writing`
    // before it was set, and the resolved promise would stay as "a write in progress" for good.
    if (this.finished.length === 0) return Promise.resolve();
    this.writing = (async () => {
      try {
        while (this.finished.length > 0) {
          const batch = this.finished.splice(0, this.options.batchSize);
          const byHolder = new Map<string, typeof batch>();
          for (const item of batch) {
            const same = byHolder.get(item.holder);
            if (same) same.push(item);
            else byHolder.set(item.holder, [item]);
          }
          for (const [holder, items] of byHolder) {
            const started = performance.now();
            const written = await this.write(holder, items);
            timeStage("record", started, items.length);
            this.options.metrics?.recordBatchSeconds.observe((performance.now() - started) / 1000);
            if (written.length > 0) this.options.onRecorded?.({ holder, records: written });
          }
        }
      } finally {
        // In the same turn as the loop's last look at `finished`, with no await between. Cleared a
        // turn later (a .finally() on this promise), an outcome added in between found a write in
        // progress, was not written, and waited for the next outcome: the last one, past its lease.
        this.writing = null;
      }
    })();
    return this.writing;
  }

  /** Cancels the later tries of outcomes the database could not take (the worker is stopping). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Writes one batch; if the database refuses it, writes each record alone, so one it cannot take
   * does not lose the others. Returns the records written in full.
   */
  private async write(holder: string, items: typeof this.finished): Promise<AttemptRecord[]> {
    const records = items.map((item) => item.record);
    try {
      await recordAttempts(this.options.sql, holder, records, this.options.leaseRule);
      this.count(records);
      return records;
    } catch (error) {
      if (items.length > 1) {
        const results = await Promise.all(items.map((item) => this.write(holder, [item])));
        return results.flat();
      }
      const item = items[0] as (typeof items)[number];
      const what = `recording attempt ${item.record.attemptNumber} of delivery ${item.record.deliveryId}`;
      this.options.onError(error, what);
      if (isRowRefusal(error)) {
        await recordUnrecordable(this.options.sql, holder, item.record, error, this.options.leaseRule).then(
          () => this.options.metrics?.attempts.inc({ outcome: "failed" }),
          (fallbackError: unknown) => {
            this.options.onError(fallbackError, `${what} (reduced)`);
            this.later(item);
          },
        );
      } else {
        this.later(item);
      }
      return [];
    }
  }

  private count(records: AttemptRecord[]): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    for (const record of records) {
      const outcome =
        record.errorKind === "aborted"
          ? "aborted"
          : record.nextStatus === "pending"
            ? "retrying"
            : record.nextStatus;
      metrics.attempts.inc({ outcome });
      metrics.attemptDuration.observe(record.durationMs / 1000);
    }
  }

  /** Keeps an outcome the database could not take for a later try (bounded), holding its lease. */
  private later(item: (typeof this.finished)[number]): void {
    const delay = RECORD_RETRY_DELAYS_MS[item.tries];
    if (delay === undefined) {
      this.options.onError(
        new Error("giving up: the database refused it every time"),
        `recording ${item.record.deliveryId}`,
      );
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.finished.push({ ...item, tries: item.tries + 1 });
      void this.flush();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
