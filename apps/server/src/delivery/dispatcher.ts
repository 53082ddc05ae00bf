import { hostname } from "node:os";
import type { PrismaClient } from "../generated/prisma/client";
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDeliveries,
  recordAttempts,
  releaseLeases,
} from "./store";

export type DispatcherOptions = {
  prisma: PrismaClient;
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
  private readonly prisma: PrismaClient;
  private readonly attempt: DispatcherOptions["attempt"];
  private readonly maxInFlight: number;
  private readonly maxPerEndpoint: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxTimerDelayMs: number;
  private readonly recordBatchSize: number;
  private readonly onError: (error: unknown) => void;

  private running = false;
  private inFlight = 0;
  /** Slots promised to a claim query still on its way; keeps concurrent claims within maxInFlight. */
  private reserved = 0;
  private readonly perEndpoint = new Map<string, number>();
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
    this.prisma = options.prisma;
    this.attempt = options.attempt;
    this.maxInFlight = options.maxInFlight ?? 128;
    this.maxPerEndpoint = options.maxInFlightPerEndpoint ?? 32;
    this.leaseMs = options.leaseMs ?? 35_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxTimerDelayMs = options.maxTimerDelayMs ?? 60_000;
    this.recordBatchSize = options.recordBatchSize ?? 500;
    this.workerId =
      options.workerId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    this.onError = options.onError ?? ((error) => console.error("genie dispatcher:", error));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollLoop = this.poll();
  }

  /** Hands over deliveries just committed; they are claimed together within the same tick. */
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
    await releaseLeases(this.prisma, this.workerId).catch(this.onError);
  }

  private freeSlots(): number {
    return Math.max(0, this.maxInFlight - this.inFlight - this.reserved);
  }

  private saturatedEndpoints(): string[] {
    return [...this.perEndpoint].filter(([, n]) => n >= this.maxPerEndpoint).map(([id]) => id);
  }

  /** Claims up to the free slots (only `ids` when given) and starts an attempt for each. */
  private async claimAndRun(ids: string[] | null): Promise<number> {
    const limit = ids ? Math.min(ids.length, this.freeSlots()) : this.freeSlots();
    if (limit === 0 || !this.running) return 0;
    this.reserved += limit;
    try {
      const claimed = await claimDeliveries(this.prisma, {
        workerId: this.workerId,
        leaseMs: this.leaseMs,
        limit,
        ids: ids ?? undefined,
        excludeEndpointIds: this.saturatedEndpoints(),
      });
      for (const delivery of claimed) this.run(delivery);
      return claimed.length;
    } catch (error) {
      this.onError(error);
      return 0;
    } finally {
      this.reserved -= limit;
    }
  }

  private run(delivery: ClaimedDelivery): void {
    this.inFlight++;
    this.perEndpoint.set(delivery.endpointId, (this.perEndpoint.get(delivery.endpointId) ?? 0) + 1);
    this.attempt(delivery)
      .then((record) => {
        this.finished.push(record);
        void this.record();
      })
      // An attempt that cannot even be recorded keeps its lease; when it expires, it is tried again.
      .catch(this.onError)
      .finally(() => {
        this.inFlight--;
        const left = (this.perEndpoint.get(delivery.endpointId) ?? 1) - 1;
        if (left === 0) this.perEndpoint.delete(delivery.endpointId);
        else this.perEndpoint.set(delivery.endpointId, left);
        if (this.inFlight === 0) this.drained?.();
        if (this.mayHaveBacklog) this.wakePoller?.();
      });
  }

  /** Writes finished attempts, one batch at a time, then wakes the retries that are due soon. */
  private record(): Promise<void> {
    if (this.recording) return this.recording;
    this.recording = (async () => {
      while (this.finished.length > 0) {
        const batch = this.finished.splice(0, this.recordBatchSize);
        try {
          await recordAttempts(this.prisma, this.workerId, batch);
        } catch (error) {
          this.onError(error);
          continue;
        }
        for (const record of batch) {
          if (record.nextStatus === "pending" && record.retryDelayMs !== null) this.scheduleRetry(record);
        }
      }
    })().finally(() => {
      this.recording = null;
    });
    return this.recording;
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
      const claimed = free > 0 ? await this.claimAndRun(null) : 0;
      if (!this.running) break;
      this.mayHaveBacklog = claimed === free;
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
