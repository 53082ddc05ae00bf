import { hostname } from "node:os";
import type { SqlRunner } from "../db";
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDeliveries,
  recordAttempts,
  releaseLeases,
  renewLease,
} from "./store";

export type DispatcherOptions = {
  sql: SqlRunner;
  /** Makes one attempt and says what it changes; never throws for a receiver's failure. */
  attempt: (delivery: ClaimedDelivery) => Promise<AttemptRecord>;
  /** Attempts in flight in this process. @default 128 */
  maxInFlight?: number;
  /** Attempts in flight to one endpoint, so one slow CRM cannot take every slot. @default 32 */
  maxInFlightPerEndpoint?: number;
  /** How long a claim is ours; must outlast an attempt's timeout. @default 35_000 */
  leaseMs?: number;
  /** How often the poller looks for due work nobody handed over (retries, crashes, other instances). @default 1000 */
  pollIntervalMs?: number;
  /** Retries due within this long are woken by an in-process timer instead of waiting for the poller. @default 60_000 */
  maxTimerDelayMs?: number;
  /** Finished attempts written per transaction. @default 500 */
  recordBatchSize?: number;
  workerId?: string;
  onError?: (error: unknown) => void;
};

/**
 * Runs deliveries out of the outbox. Work arrives two ways: `notify()` right after the intake commits
 * (no pickup delay), and a poller that claims anything due (scheduled retries, deliveries whose
 * worker died, work written by an API-only process). Finished attempts are written in batches.
 */
export class Dispatcher {
  readonly workerId: string;
  private readonly sql: SqlRunner;
  private readonly attempt: DispatcherOptions["attempt"];
  private readonly maxInFlight: number;
  private readonly maxPerEndpoint: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxTimerDelayMs: number;
  private readonly recordBatchSize: number;
  /** Free slots worth a claim query while there is a backlog. */
  private readonly claimBatch: number;
  private readonly onError: (error: unknown) => void;

  private running = false;
  private inFlight = 0;
  /** Slots promised to a claim query still on its way; keeps concurrent claims within maxInFlight. */
  private reserved = 0;
  /** Attempts running per endpoint. */
  private readonly perEndpoint = new Map<string, number>();
  /** Claimed deliveries waiting for a free slot of their endpoint. */
  private readonly waiting = new Map<string, { delivery: ClaimedDelivery; claimedAt: number }[]>();
  private readonly handedOver: string[] = [];
  private handOverScheduled = false;
  private readonly finished: AttemptRecord[] = [];
  private recording: Promise<void> | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private wakePoller: (() => void) | null = null;
  /** The last poll filled every free slot (or notify overflowed): more may be due, poll as slots free. */
  private mayHaveBacklog = false;
  private pollLoop: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  constructor(options: DispatcherOptions) {
    this.sql = options.sql;
    this.attempt = options.attempt;
    this.maxInFlight = options.maxInFlight ?? 128;
    this.maxPerEndpoint = options.maxInFlightPerEndpoint ?? 32;
    this.leaseMs = options.leaseMs ?? 35_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxTimerDelayMs = options.maxTimerDelayMs ?? 60_000;
    this.recordBatchSize = options.recordBatchSize ?? 500;
    this.claimBatch = Math.max(1, Math.floor(this.maxInFlight / 4));
    this.workerId =
      options.workerId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    this.onError = options.onError ?? ((error) => console.error("genie dispatcher:", error));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollLoop = this.poll();
  }

  /** A lease for deliveries the intake is about to write, when this worker has room for them. */
  leaseForHandOff(): { workerId: string; leaseMs: number } | null {
    return this.running && this.freeSlots() > 0 ? { workerId: this.workerId, leaseMs: this.leaseMs } : null;
  }

  /**
   * Takes over deliveries the intake wrote already leased to this worker. One registration may bring
   * several (one per endpoint), so this can briefly exceed maxInFlight by that many.
   */
  adopt(deliveries: ClaimedDelivery[]): void {
    const now = Date.now();
    for (const delivery of deliveries) this.run(delivery, now);
  }

  /** Wakes deliveries by id (retries due soon); they are claimed together within the same tick. */
  notify(deliveryIds: string[]): void {
    if (!this.running) return;
    this.handedOver.push(...deliveryIds);
    if (this.handOverScheduled) return;
    this.handOverScheduled = true;
    setImmediate(() => {
      this.handOverScheduled = false;
      const ids = this.handedOver.splice(0);
      const fits = this.freeSlots();
      // What does not fit now stays in the outbox; the poller claims it when slots free up.
      if (ids.length > fits) this.mayHaveBacklog = true;
      void this.claimAndRun(ids.slice(0, fits));
    });
  }

  /**
   * Stops claiming, lets attempts in flight finish (for at most `graceMs`), writes what finished and
   * gives back the remaining leases so another worker can resume at once.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakePoller?.();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    // Queued deliveries are not started; their leases are given back below.
    for (const queue of this.waiting.values()) for (const _ of queue) this.release();
    this.waiting.clear();
    await this.pollLoop;
    if (this.inFlight > 0) {
      const drained = new Promise<void>((resolve) => {
        this.drained = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    await this.record();
    await releaseLeases(this.sql, this.workerId).catch(this.onError);
  }

  private freeSlots(): number {
    return Math.max(0, this.maxInFlight - this.inFlight - this.reserved);
  }

  private saturatedEndpoints(): string[] {
    return [...this.perEndpoint].filter(([, n]) => n >= this.maxPerEndpoint).map(([id]) => id);
  }

  private endpointStarted(endpointId: string): void {
    this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 0) + 1);
  }

  private endpointFinished(endpointId: string): void {
    const left = (this.perEndpoint.get(endpointId) ?? 1) - 1;
    if (left === 0) this.perEndpoint.delete(endpointId);
    else this.perEndpoint.set(endpointId, left);
  }

  /** Claims up to the free slots (only `ids` when given) and starts an attempt for each. */
  private async claimAndRun(ids: string[] | null): Promise<number> {
    const limit = ids ? Math.min(ids.length, this.freeSlots()) : this.freeSlots();
    if (limit === 0 || !this.running) return 0;
    this.reserved += limit;
    try {
      const claimed = await claimDeliveries(this.sql, {
        workerId: this.workerId,
        leaseMs: this.leaseMs,
        limit,
        ids: ids ?? undefined,
        excludeEndpointIds: this.saturatedEndpoints(),
      });
      const claimedAt = Date.now();
      for (const delivery of claimed) this.run(delivery, claimedAt);
      return claimed.length;
    } catch (error) {
      this.onError(error);
      return 0;
    } finally {
      this.reserved -= limit;
    }
  }

  /**
   * Starts a claimed delivery, or queues it behind its endpoint's attempts in flight. Queued ones hold
   * a slot of maxInFlight, so claims never outrun what this process can do.
   */
  private run(delivery: ClaimedDelivery, claimedAt: number): void {
    this.inFlight++;
    if ((this.perEndpoint.get(delivery.endpointId) ?? 0) >= this.maxPerEndpoint) {
      const queue = this.waiting.get(delivery.endpointId) ?? [];
      queue.push({ delivery, claimedAt });
      this.waiting.set(delivery.endpointId, queue);
      return;
    }
    this.startAttempt(delivery);
  }

  private startAttempt(delivery: ClaimedDelivery): void {
    this.endpointStarted(delivery.endpointId);
    this.attempt(delivery)
      .then((record) => {
        this.finished.push(record);
        void this.record();
      })
      // An attempt that cannot even be recorded keeps its lease; when it expires, it is tried again.
      .catch(this.onError)
      .finally(() => {
        this.endpointFinished(delivery.endpointId);
        this.release();
        void this.startNextWaiting(delivery.endpointId);
      });
  }

  /** Frees the slot of a finished (or dropped) delivery. */
  private release(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  /** Starts the next delivery queued for an endpoint, renewing its lease if it waited long. */
  private async startNextWaiting(endpointId: string): Promise<void> {
    const queue = this.waiting.get(endpointId);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(endpointId);
    if (!next) {
      // If more may be due, claim again, but only once enough slots are free for a real batch: one
      // claim query per finished attempt would cost more than the attempts themselves.
      if (this.mayHaveBacklog && this.freeSlots() >= this.claimBatch) this.wakePoller?.();
      return;
    }
    if (!this.running) return this.release();
    if (Date.now() - next.claimedAt > this.leaseMs / 3) {
      const renewed = await renewLease(this.sql, next.delivery.id, this.workerId, this.leaseMs).catch(
        (error: unknown) => {
          this.onError(error);
          return false;
        },
      );
      if (!renewed) {
        this.release();
        return this.startNextWaiting(endpointId);
      }
    }
    this.startAttempt(next.delivery);
  }

  /** Writes finished attempts, one batch at a time, then wakes the retries that are due soon. */
  private record(): Promise<void> {
    if (this.recording) return this.recording;
    this.recording = (async () => {
      while (this.finished.length > 0) {
        const batch = this.finished.splice(0, this.recordBatchSize);
        const written = await this.recordBatch(batch);
        for (const record of written) {
          if (record.nextStatus === "pending" && record.retryDelayMs !== null) this.scheduleRetry(record);
        }
      }
    })().finally(() => {
      this.recording = null;
    });
    return this.recording;
  }

  /**
   * Writes one batch; if the database refuses it, writes each record alone, so one it cannot take
   * does not lose the others. Returns what was written. An unwritten attempt keeps its lease and is
   * tried again when that expires.
   */
  private async recordBatch(batch: AttemptRecord[]): Promise<AttemptRecord[]> {
    try {
      await recordAttempts(this.sql, this.workerId, batch);
      return batch;
    } catch (error) {
      if (batch.length === 1) {
        this.onError(error);
        return [];
      }
    }
    const results = await Promise.all(batch.map((record) => this.recordBatch([record])));
    return results.flat();
  }

  private scheduleRetry(record: AttemptRecord): void {
    if (!this.running || record.retryDelayMs === null || record.retryDelayMs > this.maxTimerDelayMs) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.notify([record.deliveryId]);
    }, record.retryDelayMs);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** Claims whatever is due, as fast as slots free up while there is a backlog, else every poll interval. */
  private async poll(): Promise<void> {
    while (this.running) {
      const free = this.freeSlots();
      const saturated = this.saturatedEndpoints().length > 0;
      const claimed = free > 0 ? await this.claimAndRun(null) : 0;
      if (!this.running) break;
      // More may be due: the claim took all it could, or skipped endpoints that were busy.
      this.mayHaveBacklog = claimed === free || saturated;
      if (claimed > 0 && claimed === free) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        this.wakePoller = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakePoller = null;
    }
  }
}
