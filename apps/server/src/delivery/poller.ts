import type { Metrics } from "../metrics";
import type { SlotScheduler } from "./scheduler";

export type PollerOptions = {
  scheduler: SlotScheduler;
  /** May the worker claim now (running, and holding its session)? */
  mayClaim(): boolean;
  /** Passes a database wake-up on to the next live worker, which may pass it `passes` more times. */
  passWakeUp(passes: number): void;
  /** Free slots worth a claim query while there is a backlog. */
  claimBatch: number;
  pollIntervalMs: number;
  /** Retries due within this long are woken by a timer here instead of waiting for a poll. */
  maxTimerDelayMs: number;
  onError(error: unknown, what: string): void;
  metrics?: Metrics;
};

/**
 * Polling and wake-ups: when the worker claims. Three things make it claim before its next poll:
 * - `wake(ids)`: deliveries named by id (a redelivery, a retry due soon: `wakeLater`), claimed
 *   together within a tick;
 * - `wakeUp(passes)`: the database's wake-up (a NOTIFY: due deliveries nobody holds), claimed now
 *   when there is room for a real batch, else passed on to the next live worker;
 * - room: slots freeing while due work is left behind (`backlog`), claimed once a batch fits.
 * Otherwise it claims every `pollIntervalMs`: retries scheduled further out, deliveries of dead
 * workers, work written while every worker was full.
 */
export class Poller {
  private readonly options: PollerOptions;
  private running = false;
  /** Due work may be left in the outbox (a full claim, a refused reservation). */
  private backlog = false;
  /** A claim was asked for (set until the loop has made one). */
  private claimAsked = false;
  /** The most passes a wake-up received since the last claim allows (-1: none received). */
  private wakeUpPasses = -1;
  private interruptWait: (() => void) | null = null;
  private readonly woken: string[] = [];
  private wakeScheduled = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The loop's claim is running, and whether a claim overlapping it was started. */
  private loopClaiming = false;
  private overlapped = false;

  constructor(options: PollerOptions) {
    this.options = options;
  }

  /** Takes wake-ups from now on (the loop itself runs once the worker may claim: `run`). */
  start(): void {
    this.running = true;
  }

  /** Claims until `stop()`: as fast as slots free up while there is a backlog, else when asked or every poll. */
  async run(): Promise<void> {
    const { scheduler } = this.options;
    while (this.running) {
      this.claimAsked = false;
      const passes = this.wakeUpPasses;
      this.wakeUpPasses = -1;
      const free = scheduler.freeSlots();
      const busy = scheduler.busyEndpoints().length > 0;
      this.loopClaiming = true;
      this.overlapped = false;
      const claimed = free > 0 ? await this.claim(null) : 0;
      this.loopClaiming = false;
      if (!this.running) break;
      // More may be due: the claim took all it could, or skipped endpoints that were busy.
      this.backlog = claimed === free || busy;
      // A wake-up this worker could not take in full goes on to the next live worker: one worker is
      // woken per transaction, round robin, and more only while the ones woken are full.
      if (passes > 0 && this.backlog) this.options.passWakeUp(passes - 1);
      if (claimed > 0 && claimed === free) continue;
      if (this.claimAsked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs);
        this.interruptWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.interruptWait = null;
    }
  }

  stop(): void {
    this.running = false;
    this.interruptWait?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Makes the loop claim now (or right after the claim it is making). */
  claimNow(): void {
    this.claimAsked = true;
    this.interruptWait?.();
  }

  /** Due work was left in the outbox (a registration written unleased while every slot was taken). */
  noteBacklog(): void {
    this.backlog = true;
  }

  /** Slots are free again: with a backlog and room for a real batch, claim. */
  room(freeSlots: number): void {
    // One claim query per finished attempt would cost more than the attempts themselves.
    if (!this.backlog || freeSlots < this.options.claimBatch) return;
    if (this.interruptWait) {
      this.interruptWait();
    } else if (this.running && this.loopClaiming && !this.overlapped) {
      // The loop's claim is still running: with a batch's worth of room, one more claim overlaps it,
      // so slots do not wait out a slow claim (one claim at a time capped the worker). One per loop
      // claim, never a chain: a claim that finds nothing must not start the next.
      this.overlapped = true;
      void this.claim(null);
    }
  }

  /**
   * The database's wake-up: due deliveries are waiting. With room for a real batch, claim now; a busy
   * worker leaves them to the claim it makes once that much room is free, and passes it on meanwhile.
   */
  wakeUp(passes: number): void {
    this.options.metrics?.wakeUps.inc({ source: "notify" });
    this.backlog = true;
    if (this.options.scheduler.freeSlots() >= this.options.claimBatch) {
      this.wakeUpPasses = Math.max(this.wakeUpPasses, passes);
      this.claimNow();
    } else if (passes > 0) {
      this.options.passWakeUp(passes - 1);
    }
  }

  /** Claims deliveries by id (redeliveries, retries due now), together within a tick. */
  wake(deliveryIds: string[], source: "redeliver" | "timer" = "redeliver"): void {
    if (!this.running) return;
    this.options.metrics?.wakeUps.inc({ source });
    if (!this.options.mayClaim()) {
      this.backlog = true;
      return;
    }
    this.woken.push(...deliveryIds);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const ids = this.woken.splice(0);
      const fits = this.options.scheduler.freeSlots();
      // What does not fit now stays in the outbox; a claim takes it when slots free up.
      if (ids.length > fits) this.backlog = true;
      void this.claim(ids.slice(0, fits));
    });
  }

  /** Wakes a delivery when its retry is due, if that is soon enough to keep a timer for. */
  wakeLater(deliveryId: string, delayMs: number): void {
    if (!this.running || delayMs > this.options.maxTimerDelayMs) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake([deliveryId], "timer");
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async claim(ids: string[] | null): Promise<number> {
    if (!this.options.mayClaim() || ids?.length === 0) return 0;
    try {
      return await this.options.scheduler.claim(ids);
    } catch (error) {
      this.options.onError(error, "claiming deliveries");
      return 0;
    }
  }
}
