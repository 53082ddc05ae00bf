import type { SqlRunner } from "../db";
import { type Metrics, timeStage } from "../metrics";
import type { AttemptFn, SlotReservation } from "./contract";
import { AttemptAbortedError, LEASE_MARGIN_MS, LeasedAttempts } from "./lease";
import { Poller } from "./poller";
import { OutcomeRecorder, type RecordedBatch } from "./recorder";
import { type ClaimRequest, type Held, SlotScheduler } from "./scheduler";
import type { OpenWorkerSession } from "./session";
import { SessionKeeper } from "./session-keeper";
import { claimDeliveries, passWakeUp, releaseLeases, renewLease } from "./store";

export type { RecordedBatch };
export { AttemptAbortedError };

export type DeliveryWorkerOptions = {
  sql: SqlRunner;
  attempt: AttemptFn;
  /** Attempts in flight in this process. @default 128 */
  maxInFlight?: number;
  /** Attempts in flight to one endpoint, so one slow CRM cannot take every slot. @default 32 */
  maxInFlightPerEndpoint?: number;
  /** How long a claim is ours; must outlast an attempt's timeout. @default 35_000 */
  leaseMs?: number;
  /** The longest an attempt takes (its request timeout). @default leaseMs - 5000 */
  attemptTimeoutMs?: number;
  /** How often the poller looks for due work nobody handed over (retries, crashes, other instances). @default 1000 */
  pollIntervalMs?: number;
  /** Retries due within this long are woken by an in-process timer instead of waiting for the poller. @default 60_000 */
  maxTimerDelayMs?: number;
  /** Finished attempts written per transaction. @default 500 */
  recordBatchSize?: number;
  /** The start of this worker's ids; each session adds a part of its own. */
  workerId?: string;
  /**
   * The worker's own database session (PostgreSQL, session.ts): its liveness lock, which lets other
   * workers take over its deliveries the moment it dies (and never while it lives), and its wake-ups.
   * Without one, leases are taken over when they expire.
   */
  openSession?: OpenWorkerSession;
  /** With a session: how often to look for leases whose holder died. @default 1000 */
  takeoverIntervalMs?: number;
  /**
   * No other worker can be running on this database (the embedded one: one process, guarded by the
   * data folder's lock), so every lease not this worker's is stale at start and taken over at once.
   */
  soleWorker?: boolean;
  /** Errors the worker survives (the database away, an outcome it could not record). @default console.error */
  onError?: (error: unknown, what: string) => void;
  /** This process's metrics (attempts, claims, wake-ups, log writes). */
  metrics?: Metrics;
  /** Runs after `stop()` has written everything and given back its leases (closes the HTTP pool). */
  afterStop?: () => Promise<void>;
};

/**
 * Runs deliveries out of the outbox, composed of five parts, each in its own file:
 * - scheduler.ts: slots, per-endpoint limits and fairness (what may start now);
 * - lease.ts: attempts under a lease (never sent once the lease may be another worker's);
 * - recorder.ts: outcomes written in batches (`onRecorded` follows them);
 * - poller.ts: polling and wake-ups (when to claim);
 * - session-keeper.ts: the worker's session and the takeover of dead workers' leases.
 *
 * Work arrives three ways: deliveries the intake wrote into a slot reserved here (`reserve()`, no
 * pickup delay), deliveries woken by id (`wake()`: redeliveries, retries due soon), and claims of
 * anything due (scheduled retries, deliveries whose worker died, work written elsewhere or while
 * this worker was full).
 */
export class DeliveryWorker {
  private readonly sql: SqlRunner;
  private readonly leaseMs: number;
  private readonly onError: (error: unknown, what: string) => void;
  private readonly afterStop: (() => Promise<void>) | undefined;
  private readonly metrics: Metrics | undefined;
  private readonly scheduler: SlotScheduler;
  private readonly attempts: LeasedAttempts;
  private readonly recorder: OutcomeRecorder;
  private readonly poller: Poller;
  private readonly keeper: SessionKeeper;
  private readonly openSession: OpenWorkerSession | undefined;

  private running = false;
  private loop: Promise<void> | null = null;
  private idle: (() => void) | null = null;

  constructor(options: DeliveryWorkerOptions) {
    this.sql = options.sql;
    this.leaseMs = options.leaseMs ?? 35_000;
    const attemptTimeoutMs = options.attemptTimeoutMs ?? this.leaseMs - 5000;
    if (attemptTimeoutMs + LEASE_MARGIN_MS > this.leaseMs) {
      throw new Error(`leaseMs (${this.leaseMs}) must exceed the attempt timeout by ${LEASE_MARGIN_MS} ms`);
    }
    const maxInFlight = options.maxInFlight ?? 128;
    this.onError = options.onError ?? ((error, what) => console.error(`genie worker: ${what}:`, error));
    this.afterStop = options.afterStop;
    this.metrics = options.metrics;
    this.openSession = options.openSession;
    const onError = this.onError;

    this.keeper = new SessionKeeper({
      sql: this.sql,
      ...(options.workerId && { baseId: options.workerId }),
      ...(options.openSession && { openSession: options.openSession }),
      takeoverIntervalMs: options.takeoverIntervalMs ?? 1000,
      soleWorker: options.soleWorker ?? false,
      onWakeUp: (passes) => this.poller.wakeUp(passes),
      onLive: () => {
        this.scheduler.resume();
        this.poller.claimNow();
      },
      onLost: (workerId, error) => this.sessionLost(workerId, error),
      onTakenOver: () => this.poller.claimNow(),
      onWorkers: (share) => this.scheduler.setShare(share),
      onError,
    });
    this.scheduler = new SlotScheduler({
      maxInFlight,
      maxInFlightPerEndpoint: options.maxInFlightPerEndpoint ?? 32,
      store: { claim: (request) => this.claim(request) },
      start: (held, done) =>
        void this.runAttempt(held).finally(() => {
          done();
          if (this.scheduler.active === 0) this.idle?.();
        }),
      onRoom: (free) => this.poller.room(free),
      giveBack: (refused) => {
        for (const holder of new Set(refused.map((held) => held.holder))) {
          this.giveBack(
            holder,
            refused.filter((held) => held.holder === holder).map((held) => held.delivery.id),
          );
        }
      },
    });
    this.attempts = new LeasedAttempts({
      attempt: options.attempt,
      leaseMs: this.leaseMs,
      attemptTimeoutMs,
      renew: (deliveryId, holder) => renewLease(this.sql, deliveryId, holder, this.leaseMs),
      mayStart: (holder) => this.running && holder === this.keeper.workerId && this.keeper.live,
      onError,
    });
    this.recorder = new OutcomeRecorder({
      sql: this.sql,
      // See LeaseRule: without sessions, a lease is lost only by expiring, and only we can log it.
      leaseRule: { logLostLeases: !options.openSession },
      batchSize: options.recordBatchSize ?? 500,
      onError,
      onRecorded: (batch) => {
        for (const record of batch.records) {
          if (record.nextStatus === "pending" && record.retryDelayMs !== null) {
            this.poller.wakeLater(record.deliveryId, record.retryDelayMs);
          }
        }
      },
      ...(options.metrics && { metrics: options.metrics }),
    });
    this.poller = new Poller({
      scheduler: this.scheduler,
      mayClaim: () => this.running && this.keeper.live,
      passWakeUp: (passes) => this.passWakeUp(passes),
      claimBatch: Math.max(1, Math.floor(maxInFlight / 4)),
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      maxTimerDelayMs: options.maxTimerDelayMs ?? 60_000,
      onError,
      ...(options.metrics && { metrics: options.metrics }),
    });
  }

  /** The id this worker's leases are taken under now (`locked_by`). */
  get workerId(): string {
    return this.keeper.workerId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.poller.start();
    this.loop = (async () => {
      await this.keeper.start();
      if (this.running) await this.poller.run();
    })();
  }

  /**
   * A slot for one registration's deliveries (see SlotReservation), or null when every slot is taken:
   * the intake then writes them unleased and a claim takes them as slots free up.
   */
  reserve(): SlotReservation | null {
    if (!this.running || !this.keeper.live || !this.scheduler.reserve()) {
      this.poller.noteBacklog();
      return null;
    }
    const holder = this.keeper.workerId;
    // The statement sets the lease after this moment, so counting from now never overestimates it.
    const leasedUntil = Date.now() + this.leaseMs;
    let open = true;
    const settle = () => {
      if (open) this.scheduler.unreserve();
      const wasOpen = open;
      open = false;
      return wasOpen;
    };
    return {
      workerId: holder,
      leaseMs: this.leaseMs,
      adopt: (deliveries) => {
        if (!settle()) return;
        const started = performance.now();
        if (!this.running || !this.keeper.live || holder !== this.keeper.workerId) {
          // Stopped (or the session lost) while the statement ran: give these back to anyone, now.
          this.giveBack(
            holder,
            deliveries.map((d) => d.id),
          );
          return;
        }
        for (const delivery of deliveries) this.scheduler.hold({ delivery, holder, leasedUntil });
        this.scheduler.pump();
        timeStage("handoff", started);
      },
      release: () => {
        if (settle()) this.scheduler.pump();
      },
    };
  }

  /** Wakes deliveries by id (redeliveries, retries due soon); they are claimed together within a tick. */
  wake(deliveryIds: string[]): void {
    if (this.running) this.poller.wake(deliveryIds);
  }

  /**
   * Stops claiming, gives attempts in flight `graceMs` to finish, then cuts the rest short (each is
   * logged as `aborted` and retried on its schedule), writes every outcome and gives back the
   * remaining leases so another worker, or the next start, can resume at once.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.poller.stop();
    this.recorder.stop();
    await this.keeper.stop();
    // Held deliveries are not started; their leases are given back below.
    this.scheduler.pause();
    this.scheduler.drain();
    await this.loop;
    if (!(await this.whenIdle(graceMs))) {
      this.attempts.cutAll(new AttemptAbortedError("the worker was stopping (graceful shutdown)"));
      // An aborted attempt returns at once; the bound only guards against a hung one.
      await this.whenIdle(5000);
    }
    await this.recorder.flush();
    await releaseLeases(this.sql, this.keeper.workerId).catch((error: unknown) =>
      this.onError(error, "giving back leases"),
    );
    // Only now, with its leases given back, may its lock go: else they would be taken over as a
    // dead worker's, each logged as an aborted attempt that never happened.
    await this.keeper.close();
    await this.afterStop?.();
  }

  /** Resolves true once no attempt is in flight, or false after `timeoutMs`. */
  private whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.scheduler.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** The scheduler's store: leases due deliveries under this worker's current id. */
  private async claim(request: ClaimRequest): Promise<Held[]> {
    if (!this.running || !this.keeper.live) return [];
    const holder = this.keeper.workerId;
    const leasedUntil = Date.now() + this.leaseMs;
    const started = performance.now();
    const claimed = await claimDeliveries(this.sql, {
      workerId: holder,
      leaseMs: this.leaseMs,
      limit: request.limit,
      ...(request.ids && { ids: request.ids }),
      excludeEndpointIds: request.excludeEndpointIds,
      expiredLeases: !this.openSession,
    });
    timeStage("claim", started, claimed.length);
    this.metrics?.claimBatch.observe(claimed.length);
    if (holder !== this.keeper.workerId) {
      this.giveBack(
        holder,
        claimed.map((d) => d.id),
      );
      return [];
    }
    return claimed.map((delivery) => ({ delivery, holder, leasedUntil }));
  }

  private async runAttempt(held: Held): Promise<void> {
    this.metrics?.attemptsInFlight.inc();
    try {
      const record = await this.attempts.run(held);
      if (!record) return;
      // A 429 pauses its endpoint here for as long as its Retry-After asks (else 1 s, doubling).
      if (record.statusCode === 429) this.scheduler.slowDown(record.endpointId, record.retryAfterMs);
      else if (record.statusCode !== null) this.scheduler.answered(record.endpointId);
      this.recorder.add(record, held.holder);
    } finally {
      this.metrics?.attemptsInFlight.dec();
    }
  }

  /**
   * The session (and so perhaps the lock) is gone: attempts in flight are cut (logged as aborted,
   * unless the takeover logged them first) and held deliveries are given back.
   */
  private sessionLost(workerId: string, error: Error): void {
    this.onError(error, "the worker's database session was lost; attempts in flight are cut");
    this.scheduler.pause();
    this.attempts.cutAll(
      new AttemptAbortedError("the worker lost its database session, and with it its leases"),
    );
    this.giveBack(
      workerId,
      this.scheduler.drain().map((held) => held.delivery.id),
    );
  }

  private passWakeUp(passes: number): void {
    const key = this.keeper.key;
    if (key === null || !this.keeper.live) return;
    void passWakeUp(this.sql, key, passes).catch((error: unknown) =>
      this.onError(error, "passing a wake-up on"),
    );
  }

  /** Gives leases back so that anyone may take them now (best effort: else the takeover does). */
  private giveBack(holder: string, ids: string[]): void {
    if (ids.length === 0) return;
    void releaseLeases(this.sql, holder, ids).catch((error: unknown) =>
      this.onError(error, "giving back leases"),
    );
  }
}
