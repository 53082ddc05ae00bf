import { hostname } from "node:os";
import type { SqlRunner } from "../db";
import { isRowRefusal } from "../db/errors";
import { attemptOf } from "./attempt";
import type { AttemptFn, AttemptRecord, ClaimedDelivery, SlotReservation } from "./contract";
import type { OpenWorkerSession, WorkerSession } from "./session";
import {
  claimDeliveries,
  type LeaseRule,
  passWakeUp,
  recordAttempts,
  recordUnrecordable,
  releaseLeases,
  renewLease,
  takeOverDeadWorkers,
} from "./store";

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
  /** Runs after `stop()` has written everything and given back its leases (closes the HTTP pool). */
  afterStop?: () => Promise<void>;
};

/** An attempt is never started with less lease left than its timeout plus this. */
const LEASE_MARGIN_MS = 1000;
/** Opening the worker's session is tried again this often while the database is unreachable. */
const SESSION_RETRY_DELAYS_MS = [200, 1000, 2000, 5000];
/** Writing an attempt's outcome is tried again this often while the database is unreachable. */
const RECORD_RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000, 60_000, 60_000];

/** Why the worker cut an attempt short; the attempt is logged as `aborted` with this message. */
export class AttemptAbortedError extends Error {
  override name = "AttemptAbortedError";
}

/**
 * A leased delivery, the worker id holding the lease (ids change when a session is lost), and how
 * long, by this process's clock, the lease is certainly ours.
 */
type Held = { delivery: ClaimedDelivery; holder: string; leasedUntil: number };

/**
 * Runs deliveries out of the outbox. Work arrives three ways: deliveries the intake wrote into a slot
 * reserved here (`reserve()`, no pickup delay), deliveries woken by id (`wake()`: redeliveries,
 * retries due soon), and a poller that claims anything due (scheduled retries, deliveries whose
 * worker died, work written by another process or while this one was full).
 *
 * Limits: at most `maxInFlight` attempts are in flight, and `maxInFlightPerEndpoint` to one endpoint.
 * Leased deliveries that cannot start yet wait here, and count against the slots new work may take.
 */
export class DeliveryWorker {
  private readonly sql: SqlRunner;
  private readonly attempt: AttemptFn;
  private readonly maxInFlight: number;
  private readonly maxPerEndpoint: number;
  private readonly leaseMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxTimerDelayMs: number;
  private readonly recordBatchSize: number;
  /** Free slots worth a claim query while there is a backlog. */
  private readonly claimBatch: number;
  private readonly onError: (error: unknown, what: string) => void;
  private readonly afterStop: (() => Promise<void>) | undefined;
  private readonly baseId: string;
  private readonly openSession: OpenWorkerSession | undefined;
  private readonly takeoverIntervalMs: number;
  private readonly soleWorker: boolean;
  private readonly leaseRule: LeaseRule;

  private running = false;
  /** The id leases are taken under: with a session, a new one for each session. */
  private currentId: string;
  /** May this worker send? Without a session always; with one, only while it holds its lock. */
  private live: boolean;
  private session: WorkerSession | null = null;
  private connecting: Promise<void> | null = null;
  /** Cuts the attempts in flight when the session, and with it the right to send, is lost. */
  private fence = new AbortController();
  private takeoverTimer: NodeJS.Timeout | null = null;
  private takingOver = false;
  /** A wake-up asked for a claim (set until the poll loop has made one). */
  private claimRequested = false;
  /** The most passes a wake-up received since the last claim allows (-1: none received). */
  private wakePasses = -1;
  /** The worker id each finished attempt was made under (its lease's holder). */
  private readonly holderOf = new WeakMap<AttemptRecord, string>();
  /** Attempts in flight. */
  private active = 0;
  /** Slots promised to reservations and claim queries not settled yet. */
  private reserved = 0;
  /** Leased deliveries waiting for a slot, by endpoint (insertion order rotates for fairness). */
  private readonly waiting = new Map<string, Held[]>();
  private queued = 0;
  /** Attempts in flight per endpoint. */
  private readonly perEndpoint = new Map<string, number>();
  /** Cuts the attempts in flight when the grace period of `stop()` runs out. */
  private readonly stopping = new AbortController();
  private readonly woken: string[] = [];
  private wakeScheduled = false;
  private readonly finished: AttemptRecord[] = [];
  private recording: Promise<void> | null = null;
  /** How many times writing a record failed because the database was away. */
  private readonly recordTries = new WeakMap<AttemptRecord, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private wakePoller: (() => void) | null = null;
  /** Due work may be left in the outbox (a full claim, a refused reservation): claim as slots free. */
  private mayHaveBacklog = false;
  private pollLoop: Promise<void> | null = null;
  private idle: (() => void) | null = null;

  constructor(options: DeliveryWorkerOptions) {
    this.sql = options.sql;
    this.attempt = options.attempt;
    this.maxInFlight = options.maxInFlight ?? 128;
    this.maxPerEndpoint = options.maxInFlightPerEndpoint ?? 32;
    this.leaseMs = options.leaseMs ?? 35_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? this.leaseMs - 5000;
    if (this.attemptTimeoutMs + LEASE_MARGIN_MS > this.leaseMs) {
      throw new Error(`leaseMs (${this.leaseMs}) must exceed the attempt timeout by ${LEASE_MARGIN_MS} ms`);
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxTimerDelayMs = options.maxTimerDelayMs ?? 60_000;
    this.recordBatchSize = options.recordBatchSize ?? 500;
    this.claimBatch = Math.max(1, Math.floor(this.maxInFlight / 4));
    this.baseId = options.workerId ?? `${hostname()}:${process.pid}`;
    this.openSession = options.openSession;
    this.takeoverIntervalMs = options.takeoverIntervalMs ?? 1000;
    this.soleWorker = options.soleWorker ?? false;
    this.leaseRule = { logLostLeases: !this.openSession };
    this.currentId = this.newId();
    this.live = !this.openSession;
    this.onError = options.onError ?? ((error, what) => console.error(`genie worker: ${what}:`, error));
    this.afterStop = options.afterStop;
  }

  /** The id this worker's leases are taken under now (`locked_by`). */
  get workerId(): string {
    return this.currentId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollLoop = this.poll();
  }

  private newId(): string {
    return `${this.baseId}:${Math.random().toString(36).slice(2, 10)}`;
  }

  /**
   * A slot for one registration's deliveries (see SlotReservation), or null when every slot is taken:
   * the intake then writes them unleased and the poller claims them as slots free up.
   */
  reserve(): SlotReservation | null {
    if (!this.running || !this.live || this.freeSlots() === 0) {
      this.mayHaveBacklog = true;
      return null;
    }
    const holder = this.currentId;
    this.reserved++;
    // The statement sets the lease after this moment, so counting from now never overestimates it.
    const leasedUntil = Date.now() + this.leaseMs;
    let open = true;
    const settle = () => {
      if (open) this.reserved--;
      const wasOpen = open;
      open = false;
      return wasOpen;
    };
    return {
      workerId: holder,
      leaseMs: this.leaseMs,
      adopt: (deliveries) => {
        if (!settle()) return;
        if (!this.running || holder !== this.currentId) {
          // Stopped (or the session lost) while the statement ran: give these back to anyone, now.
          this.giveBack(
            holder,
            deliveries.map((d) => d.id),
          );
          return;
        }
        for (const delivery of deliveries) this.hold({ delivery, holder, leasedUntil });
        this.pump();
      },
      release: () => {
        if (settle()) this.pump();
      },
    };
  }

  /** Wakes deliveries by id (redeliveries, retries due soon); they are claimed together within a tick. */
  wake(deliveryIds: string[]): void {
    if (!this.running) return;
    if (!this.live) {
      this.mayHaveBacklog = true;
      return;
    }
    this.woken.push(...deliveryIds);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const ids = this.woken.splice(0);
      const fits = this.freeSlots();
      // What does not fit now stays in the outbox; the poller claims it when slots free up.
      if (ids.length > fits) this.mayHaveBacklog = true;
      void this.claimAndHold(ids.slice(0, fits));
    });
  }

  /**
   * Stops claiming, gives attempts in flight `graceMs` to finish, then cuts the rest short (each is
   * logged as `aborted` and retried on its schedule), writes every outcome and gives back the
   * remaining leases so another worker, or the next start, can resume at once.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakePoller?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.takeoverTimer) clearInterval(this.takeoverTimer);
    await this.connecting;
    // Held deliveries are not started; their leases are given back below.
    this.waiting.clear();
    this.queued = 0;
    await this.pollLoop;
    if (!(await this.whenIdle(graceMs))) {
      this.stopping.abort(new AttemptAbortedError("the worker was stopping (graceful shutdown)"));
      // An aborted attempt returns at once; the bound only guards against a hung one.
      await this.whenIdle(5000);
    }
    await this.record();
    await releaseLeases(this.sql, this.currentId).catch((error: unknown) =>
      this.onError(error, "giving back leases"),
    );
    // Only now, with its leases given back, may its lock go: else they would be taken over as a
    // dead worker's, each logged as an aborted attempt that never happened.
    await this.session?.close();
    this.session = null;
    await this.afterStop?.();
  }

  private freeSlots(): number {
    return Math.max(0, this.maxInFlight - this.active - this.queued - this.reserved);
  }

  /** Resolves true once no attempt is in flight, or false after `timeoutMs`. */
  private whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Endpoints that cannot take another attempt now: a claim skips their deliveries. */
  private busyEndpoints(): string[] {
    const load = new Map(this.perEndpoint);
    for (const [endpointId, queue] of this.waiting) {
      load.set(endpointId, (load.get(endpointId) ?? 0) + queue.length);
    }
    return [...load].filter(([, n]) => n >= this.maxPerEndpoint).map(([id]) => id);
  }

  /** Claims up to the free slots (only `ids` when given) and holds what it got. */
  private async claimAndHold(ids: string[] | null): Promise<number> {
    const limit = ids ? Math.min(ids.length, this.freeSlots()) : this.freeSlots();
    if (limit === 0 || !this.running || !this.live) return 0;
    const holder = this.currentId;
    this.reserved += limit;
    const leasedUntil = Date.now() + this.leaseMs;
    try {
      const claimed = await claimDeliveries(this.sql, {
        workerId: holder,
        leaseMs: this.leaseMs,
        limit,
        ids: ids ?? undefined,
        excludeEndpointIds: this.busyEndpoints(),
        expiredLeases: !this.openSession,
      });
      if (holder !== this.currentId) {
        this.giveBack(
          holder,
          claimed.map((d) => d.id),
        );
        return 0;
      }
      for (const delivery of claimed) this.hold({ delivery, holder, leasedUntil });
      return claimed.length;
    } catch (error) {
      this.onError(error, "claiming deliveries");
      return 0;
    } finally {
      this.reserved -= limit;
      this.pump();
    }
  }

  private hold(held: Held): void {
    const queue = this.waiting.get(held.delivery.endpointId);
    if (queue) queue.push(held);
    else this.waiting.set(held.delivery.endpointId, [held]);
    this.queued++;
  }

  /** Starts held deliveries while slots are free, taking endpoints in turn. */
  private pump(): void {
    while (this.running && this.live && this.active < this.maxInFlight) {
      const next = this.nextStartable();
      if (!next) break;
      this.startAttempt(next);
    }
    // If more may be due, claim again, but only once enough slots are free for a real batch: one
    // claim query per finished attempt would cost more than the attempts themselves.
    if (this.mayHaveBacklog && this.freeSlots() >= this.claimBatch) this.wakePoller?.();
  }

  private nextStartable(): Held | undefined {
    for (const [endpointId, queue] of this.waiting) {
      if ((this.perEndpoint.get(endpointId) ?? 0) >= this.maxPerEndpoint) continue;
      const held = queue.shift();
      this.waiting.delete(endpointId);
      // Re-inserted at the end: the next free slot goes to another endpoint first.
      if (queue.length > 0) this.waiting.set(endpointId, queue);
      this.queued--;
      return held;
    }
    return undefined;
  }

  private startAttempt(held: Held): void {
    const { endpointId } = held.delivery;
    this.active++;
    this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 0) + 1);
    void this.runAttempt(held).finally(() => {
      this.active--;
      const left = (this.perEndpoint.get(endpointId) ?? 1) - 1;
      if (left === 0) this.perEndpoint.delete(endpointId);
      else this.perEndpoint.set(endpointId, left);
      if (this.active === 0) this.idle?.();
      this.pump();
    });
  }

  /**
   * One attempt under a lease that outlasts it: renewed first if it waited here, and the request is
   * cut (logged as aborted) should the lease ever be about to run out, so no other worker can send
   * the same delivery while this attempt is still in flight.
   */
  private async runAttempt({ delivery, holder, leasedUntil }: Held): Promise<void> {
    if (leasedUntil - Date.now() < this.attemptTimeoutMs + LEASE_MARGIN_MS) {
      const renewedUntil = Date.now() + this.leaseMs;
      const renewed = await renewLease(this.sql, delivery.id, holder, this.leaseMs).catch(
        (error: unknown) => {
          this.onError(error, "renewing a lease");
          return false;
        },
      );
      // Lost (another worker has it) or unknown (database away): not ours to send.
      if (!renewed) return;
      leasedUntil = renewedUntil;
    }
    // Never under a lease of a lost session: another worker may be taking it over.
    if (!this.running || holder !== this.currentId) return;
    const controller = new AbortController();
    const leaseTimer = setTimeout(
      () => controller.abort(new AttemptAbortedError("the delivery's lease was about to run out")),
      leasedUntil - Date.now() - LEASE_MARGIN_MS,
    );
    const signal = AbortSignal.any([controller.signal, this.stopping.signal, this.fence.signal]);
    let record: AttemptRecord;
    try {
      record = await this.attempt(delivery, signal);
    } catch (error) {
      // The attempt function reports receivers' failures as records; a throw is our own bug. The
      // delivery ends as failed, visibly, rather than being re-sent unseen when its lease expires.
      this.onError(error, `attempting delivery ${delivery.id}`);
      record = internalFailure(delivery, error);
    } finally {
      clearTimeout(leaseTimer);
    }
    this.holderOf.set(record, holder);
    this.finished.push(record);
    void this.record();
  }

  /** Writes finished attempts, one batch at a time, then wakes the retries that are due soon. */
  private record(): Promise<void> {
    if (this.recording) return this.recording;
    this.recording = (async () => {
      while (this.finished.length > 0) {
        const batch = this.finished.splice(0, this.recordBatchSize);
        // Each outcome is written against the lease it was attempted under.
        const byHolder = new Map<string, AttemptRecord[]>();
        for (const record of batch) {
          const holder = this.holderOf.get(record) ?? this.currentId;
          byHolder.set(holder, [...(byHolder.get(holder) ?? []), record]);
        }
        for (const [holder, records] of byHolder) {
          const written = await this.recordBatch(holder, records);
          for (const record of written) {
            if (record.nextStatus === "pending" && record.retryDelayMs !== null) this.scheduleRetry(record);
          }
        }
      }
    })().finally(() => {
      this.recording = null;
    });
    return this.recording;
  }

  /**
   * Writes one batch; if the database refuses it, writes each record alone, so one it cannot take
   * does not lose the others. A record refused alone is written in a reduced form that ends its
   * delivery as failed with the reason (never re-sent unseen); one that cannot be written because
   * the database is away is tried again later. Returns what was written in full.
   */
  private async recordBatch(holder: string, batch: AttemptRecord[]): Promise<AttemptRecord[]> {
    try {
      await recordAttempts(this.sql, holder, batch, this.leaseRule);
      return batch;
    } catch (error) {
      if (batch.length > 1) {
        const results = await Promise.all(batch.map((record) => this.recordBatch(holder, [record])));
        return results.flat();
      }
      const record = batch[0] as AttemptRecord;
      const what = `recording attempt ${record.attemptNumber} of delivery ${record.deliveryId}`;
      this.onError(error, what);
      if (isRowRefusal(error)) {
        await recordUnrecordable(this.sql, holder, record, error, this.leaseRule).catch(
          (fallbackError: unknown) => {
            this.onError(fallbackError, `${what} (reduced)`);
            this.recordLater(record);
          },
        );
      } else {
        this.recordLater(record);
      }
      return [];
    }
  }

  /** Keeps an outcome the database could not take for a later try (bounded), holding its lease. */
  private recordLater(record: AttemptRecord): void {
    const tries = this.recordTries.get(record) ?? 0;
    const delay = RECORD_RETRY_DELAYS_MS[tries];
    if (delay === undefined) {
      this.onError(
        new Error("giving up: the database refused it every time"),
        `recording ${record.deliveryId}`,
      );
      return;
    }
    this.recordTries.set(record, tries + 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.finished.push(record);
      void this.record();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private scheduleRetry(record: AttemptRecord): void {
    if (!this.running || record.retryDelayMs === null || record.retryDelayMs > this.maxTimerDelayMs) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake([record.deliveryId]);
    }, record.retryDelayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Claims whatever is due, as fast as slots free up while there is a backlog, when woken, else every
   * poll interval. With a session it first opens one; without, a sole worker first takes over every
   * stale lease, so a restart after a crash resumes at once rather than when those leases expire.
   */
  private async poll(): Promise<void> {
    if (this.openSession) {
      await this.connect();
      if (!this.running) return;
      this.takeoverTimer = setInterval(() => void this.takeOver(), this.takeoverIntervalMs);
      this.takeoverTimer.unref();
    } else if (this.soleWorker) {
      await this.takeOver(true);
    }
    while (this.running) {
      this.claimRequested = false;
      const passes = this.wakePasses;
      this.wakePasses = -1;
      const free = this.freeSlots();
      const busy = this.busyEndpoints().length > 0;
      const claimed = free > 0 ? await this.claimAndHold(null) : 0;
      if (!this.running) break;
      // More may be due: the claim took all it could, or skipped endpoints that were busy.
      this.mayHaveBacklog = claimed === free || busy;
      // A wake-up this worker could not take in full goes on to the next live worker: one worker is
      // woken per transaction, round robin, and more only while the ones woken are full.
      if (passes > 0 && this.mayHaveBacklog) this.passOn(passes - 1);
      if (claimed > 0 && claimed === free) continue;
      if (this.claimRequested) continue;
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

  /**
   * A wake-up from the database: due deliveries are waiting. With room for a real batch, claim now;
   * a busy worker leaves them to the claim it makes once that much room is free (one claim query per
   * wake-up under load would cost more than the attempts), and passes the wake-up on meanwhile.
   */
  private wokenUp(passes: number): void {
    this.mayHaveBacklog = true;
    if (this.freeSlots() >= this.claimBatch) {
      this.wakePasses = Math.max(this.wakePasses, passes);
      this.requestClaim();
    } else if (passes > 0) {
      this.passOn(passes - 1);
    }
  }

  /** Makes the poll loop claim now (or right after the claim it is making). */
  private requestClaim(): void {
    this.claimRequested = true;
    this.wakePoller?.();
  }

  private passOn(passes: number): void {
    const key = this.session?.key;
    if (key === undefined || !this.live) return;
    void passWakeUp(this.sql, key, passes).catch((error: unknown) =>
      this.onError(error, "passing a wake-up on"),
    );
  }

  /** Opens a session under a new id, retrying while the database is away, until it has one or stops. */
  private connect(): Promise<void> {
    const openSession = this.openSession;
    if (!openSession) return Promise.resolve();
    this.connecting ??= (async () => {
      for (let failures = 0; this.running; failures++) {
        const workerId = this.newId();
        try {
          const session = await openSession(workerId, {
            onWake: (passes) => this.wokenUp(passes),
            onLost: (error) => this.sessionLost(workerId, error),
          });
          if (session && !this.running) await session.close();
          if (session && this.running) {
            this.session = session;
            this.currentId = workerId;
            this.fence = new AbortController();
            this.live = true;
            this.requestClaim();
            return;
          }
        } catch (error) {
          this.onError(error, "opening the worker's database session");
        }
        const delay = SESSION_RETRY_DELAYS_MS[Math.min(failures, SESSION_RETRY_DELAYS_MS.length - 1)];
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * The session (and so perhaps the lock) is gone: another worker may take this worker's leases over
   * at any moment, so it stops sending now. Attempts in flight are cut (logged as aborted, unless the
   * takeover logged them first), held deliveries are given back, and a new session brings it back
   * under a new id.
   */
  private sessionLost(workerId: string, error: Error): void {
    if (workerId !== this.currentId || !this.live) return;
    this.live = false;
    this.session = null;
    this.onError(error, "the worker's database session was lost; attempts in flight are cut");
    this.fence.abort(new AttemptAbortedError("the worker lost its database session, and with it its leases"));
    const held = [...this.waiting.values()].flat().map((h) => h.delivery.id);
    this.waiting.clear();
    this.queued = 0;
    this.giveBack(workerId, held);
    if (this.running) void this.connect();
  }

  /** Takes over the leases of dead workers (see takeOverDeadWorkers) and claims them at once. */
  private async takeOver(everyoneElse = false): Promise<void> {
    if (!this.running || !this.live || this.takingOver) return;
    this.takingOver = true;
    try {
      const taken = await takeOverDeadWorkers(this.sql, { workerId: this.currentId, everyoneElse });
      if (taken > 0) this.requestClaim();
    } catch (error) {
      this.onError(error, "taking over dead workers' deliveries");
    } finally {
      this.takingOver = false;
    }
  }

  /** Gives leases back so that anyone may take them now (best effort: else the takeover does). */
  private giveBack(holder: string, ids: string[]): void {
    if (ids.length === 0) return;
    void releaseLeases(this.sql, holder, ids).catch((error: unknown) =>
      this.onError(error, "giving back leases"),
    );
  }
}

/** The record of an attempt that failed inside Genie itself: logged, and the delivery ends. */
function internalFailure(delivery: ClaimedDelivery, error: unknown): AttemptRecord {
  return {
    ...attemptOf(delivery),
    success: false,
    statusCode: null,
    errorKind: "internal",
    errorMessage: `Genie failed to make this attempt (${error instanceof Error ? error.message : String(error)}); redeliver it once fixed.`,
    durationMs: 0,
    requestHeaders: {},
    responseExcerpt: null,
    nextStatus: "failed",
    retryDelayMs: null,
    disableEndpointReason: null,
  };
}
