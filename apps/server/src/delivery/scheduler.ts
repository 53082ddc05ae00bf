import type { ClaimedDelivery, EndpointPace, WorkerShare } from "./contract";

/** The share of an endpoint's rate limit the starts are spaced for (see spacingOf). */
const RATE_HEADROOM = 0.9;

/**
 * A leased delivery, the worker id holding the lease (ids change when a session is lost), and how
 * long, by this process's clock, the lease is certainly ours.
 */
export type Held = { delivery: ClaimedDelivery; holder: string; leasedUntil: number };

/** What a claim asks the outbox for. */
export type ClaimRequest = {
  limit: number;
  /** Only these deliveries (a wake by id); null: any due one. */
  ids: string[] | null;
  /** Endpoints that cannot take more now (at their limit, or slowed down by a 429). */
  excludeEndpointIds: string[];
};

/** Where the scheduler's work comes from: the outbox in production, a fake in unit tests. */
export interface ClaimStore {
  /** Leases up to `request.limit` due deliveries; resolves with the ones this worker now holds. */
  claim(request: ClaimRequest): Promise<Held[]>;
}

export type Clock = {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
};

const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => {
    const timer = setTimeout(run, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export type SchedulerOptions = {
  /** Attempts in flight in this process. */
  maxInFlight: number;
  /** Attempts in flight to one endpoint in this process, whatever the endpoint allows. */
  maxInFlightPerEndpoint: number;
  store: ClaimStore;
  /** Starts an attempt; `done` must be called once it has finished, whatever happened. */
  start(held: Held, done: () => void): void;
  /**
   * Deliveries this worker may not start, its share of their endpoint's concurrency being none (more
   * workers than the limit): their leases go back to the outbox, for a worker whose share is not.
   */
  giveBack(held: Held[]): void;
  /**
   * After each round of starts that followed a finished attempt (or a hand-off), with the slots left
   * free: the poller claims again when worth it. Not after a claim's own round: whoever claimed
   * decides what comes next, and a claim that found nothing must not start another.
   */
  onRoom?(freeSlots: number): void;
  /** @default the system clock */
  clock?: Clock;
};

/** How long a 429 without Retry-After pauses its endpoint, doubling while 429s follow each other. */
const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 30_000;

type EndpointState = {
  queue: Held[];
  active: number;
  pace: EndpointPace;
  /** No attempt to this endpoint starts before this time (its rate limit spaces them). */
  nextStartAt: number;
  /** Slowed down by a 429 until then. */
  pausedUntil: number;
  /** 429s in a row, for the pause's doubling. */
  pauses: number;
};

/**
 * Slot scheduling and fairness of one worker process. Leased deliveries wait here, per endpoint, until
 * they may start: a free slot of the process (`maxInFlight`), a free slot of their endpoint (the
 * smaller of `maxInFlightPerEndpoint` and the endpoint's own concurrency limit, shared among the live
 * workers), and their endpoint's rate limit (its share of it, starts spaced evenly) and 429 pause.
 * Endpoints take turns (round robin), so one busy or slow endpoint never starves the others. Waiting
 * deliveries count against the slots new work may take, so what is claimed can start soon.
 */
export class SlotScheduler {
  private readonly options: SchedulerOptions;
  private readonly clock: Clock;
  /** Endpoints with state, in turn order: the one served last goes to the end. */
  private readonly endpoints = new Map<string, EndpointState>();
  private activeCount = 0;
  private queued = 0;
  /** Slots promised to reservations and to claims not settled yet. */
  private reserved = 0;
  /** The live workers sharing each endpoint's limits (this one included), and this one's place. */
  private share: WorkerShare = { workers: 1, rank: 0 };
  /** Held deliveries of endpoints where this worker's share is none, given back at the next pump. */
  private readonly refused: Held[] = [];
  private timer: unknown = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private paused = false;

  constructor(options: SchedulerOptions) {
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Attempts in flight. */
  get active(): number {
    return this.activeCount;
  }

  /** Slots neither in flight, nor held by a waiting delivery, nor promised. */
  freeSlots(): number {
    return Math.max(0, this.options.maxInFlight - this.activeCount - this.queued - this.reserved);
  }

  /**
   * The live workers sharing each endpoint's limits (from the worker sessions) and this one's place
   * among them. Deliveries waiting here for an endpoint where the new share is none are given back.
   */
  setShare(share: WorkerShare): void {
    const workers = Math.max(1, Math.floor(share.workers));
    this.share = { workers, rank: Math.min(Math.max(0, Math.floor(share.rank)), workers - 1) };
    for (const state of this.endpoints.values()) {
      if (state.queue.length > 0 && this.concurrencyOf(state.pace) === 0) {
        this.queued -= state.queue.length;
        this.refused.push(...state.queue.splice(0));
      }
    }
    if (this.refused.length > 0) this.pump();
  }

  /** Promises one slot (the intake's hand-off); false when none is free. */
  reserve(): boolean {
    if (this.freeSlots() === 0) return false;
    this.reserved++;
    return true;
  }

  /** Gives back a promised slot, unused or now filled by `hold`. */
  unreserve(): void {
    this.reserved--;
  }

  /** Claims up to the free slots (only `ids` when given) and holds what the store leased. */
  async claim(ids: string[] | null): Promise<number> {
    const limit = ids ? Math.min(ids.length, this.freeSlots()) : this.freeSlots();
    if (limit === 0) return 0;
    this.reserved += limit;
    try {
      const claimed = await this.options.store.claim({
        limit,
        ids,
        excludeEndpointIds: this.busyEndpoints(),
      });
      for (const held of claimed) this.hold(held);
      return claimed.length;
    } finally {
      this.reserved -= limit;
      this.pump(false);
    }
  }

  /** Queues a leased delivery behind its endpoint's others (or gives it back: see `giveBack`). */
  hold(held: Held): void {
    const state = this.stateOf(held.delivery.endpointId);
    state.pace = held.delivery.pace;
    if (this.concurrencyOf(state.pace) === 0) {
      this.refused.push(held);
      return;
    }
    state.queue.push(held);
    this.queued++;
  }

  /** Takes every waiting delivery out (the worker gives their leases back). */
  drain(): Held[] {
    const all: Held[] = [];
    for (const state of this.endpoints.values()) {
      all.push(...state.queue);
      state.queue = [];
    }
    this.queued = 0;
    return all;
  }

  /** Starts nothing more until `resume` (the worker's session is lost, or it stops). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /**
   * The endpoint answered 429: nothing more starts to it until `retryAfterMs` (else a pause that
   * doubles with each 429 in a row, 1 s to 30 s). Other endpoints are not affected.
   */
  slowDown(endpointId: string, retryAfterMs: number | null): void {
    const state = this.stateOf(endpointId);
    const pause = retryAfterMs ?? Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** state.pauses);
    state.pauses++;
    state.pausedUntil = Math.max(state.pausedUntil, this.clock.now() + pause);
  }

  /** The endpoint answered anything but 429: its 429 pauses start from the first again. */
  answered(endpointId: string): void {
    const state = this.endpoints.get(endpointId);
    if (state) state.pauses = 0;
  }

  /** Starts waiting deliveries while slots are free, taking endpoints in turn. */
  pump(tellRoom = true): void {
    if (this.refused.length > 0) this.options.giveBack(this.refused.splice(0));
    const now = this.clock.now();
    while (!this.paused && this.activeCount < this.options.maxInFlight) {
      const next = this.nextStartable(now);
      if (!next) break;
      this.startAttempt(next, now);
    }
    this.armTimer(now);
    this.forgetIdle(now);
    if (tellRoom) this.options.onRoom?.(this.freeSlots());
  }

  /** Endpoints a claim should skip: as much as they may take is already here, or they are paused. */
  busyEndpoints(): string[] {
    const now = this.clock.now();
    const busy: string[] = [];
    for (const [endpointId, state] of this.endpoints) {
      if (state.pausedUntil > now || state.active + state.queue.length >= this.backlogLimit(state)) {
        busy.push(endpointId);
      }
    }
    return busy;
  }

  /**
   * The most attempts this worker may have in flight to an endpoint at once. An endpoint's own
   * concurrency is split among the live workers by their place, so that the shares add up to it
   * exactly: 5 among 2 workers is 3 and 2; 2 among 3 is 1, 1 and 0 (the last one gives such deliveries
   * back). The shares hold while the workers agree on who is live: for a takeover interval after one
   * starts or dies, two may each count on the same part.
   */
  concurrencyOf(pace: EndpointPace): number {
    if (pace.concurrency === null) return this.options.maxInFlightPerEndpoint;
    const { workers, rank } = this.share;
    const own = Math.floor(pace.concurrency / workers) + (rank < pace.concurrency % workers ? 1 : 0);
    return Math.min(this.options.maxInFlightPerEndpoint, own);
  }

  /**
   * The least time between two starts to an endpoint in this worker (0: no rate limit). Aimed at
   * RATE_HEADROOM of the limit: the receiver counts arrivals, and a request held up on the way (a new
   * connection, a busy event loop) bunches up with the next ones; with a tenth to spare, a second
   * the receiver counts holds more than the limit only if one request lags another by over 100 ms.
   */
  spacingOf(pace: EndpointPace): number {
    return pace.ratePerSecond === null
      ? 0
      : (1000 * this.share.workers) / (pace.ratePerSecond * RATE_HEADROOM);
  }

  /** What an endpoint may have here, waiting or in flight: its concurrency, and about a second of its rate. */
  private backlogLimit(state: EndpointState): number {
    const spacing = this.spacingOf(state.pace);
    const second = spacing === 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.ceil(1000 / spacing));
    return Math.min(this.concurrencyOf(state.pace), second);
  }

  private stateOf(endpointId: string): EndpointState {
    let state = this.endpoints.get(endpointId);
    if (!state) {
      state = {
        queue: [],
        active: 0,
        pace: { ratePerSecond: null, concurrency: null },
        nextStartAt: 0,
        pausedUntil: 0,
        pauses: 0,
      };
      this.endpoints.set(endpointId, state);
    }
    return state;
  }

  private startable(state: EndpointState, now: number): boolean {
    return (
      state.queue.length > 0 &&
      state.active < this.concurrencyOf(state.pace) &&
      state.pausedUntil <= now &&
      state.nextStartAt <= now
    );
  }

  private nextStartable(now: number): Held | undefined {
    for (const [endpointId, state] of this.endpoints) {
      if (!this.startable(state, now)) continue;
      // Re-inserted at the end: the next free slot goes to another endpoint first.
      this.endpoints.delete(endpointId);
      this.endpoints.set(endpointId, state);
      this.queued--;
      return state.queue.shift();
    }
    return undefined;
  }

  private startAttempt(held: Held, now: number): void {
    const state = this.stateOf(held.delivery.endpointId);
    state.active++;
    this.activeCount++;
    const spacing = this.spacingOf(state.pace);
    if (spacing > 0) state.nextStartAt = Math.max(now, state.nextStartAt) + spacing;
    let done = false;
    this.options.start(held, () => {
      if (done) return;
      done = true;
      state.active--;
      this.activeCount--;
      this.pump();
    });
  }

  /** When a waiting delivery is held back only by time (a rate limit, a pause), wakes at that time. */
  private armTimer(now: number): void {
    let at = Number.POSITIVE_INFINITY;
    if (!this.paused) {
      for (const state of this.endpoints.values()) {
        if (state.queue.length === 0 || state.active >= this.concurrencyOf(state.pace)) continue;
        const when = Math.max(state.pausedUntil, state.nextStartAt);
        if (when > now) at = Math.min(at, when);
      }
    }
    if (at === this.timerAt) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, at - now);
  }

  /** Drops the state of endpoints with nothing here and nothing to remember. */
  private forgetIdle(now: number): void {
    if (this.endpoints.size < 64) return;
    for (const [endpointId, state] of this.endpoints) {
      if (
        state.queue.length === 0 &&
        state.active === 0 &&
        state.pausedUntil <= now &&
        state.nextStartAt <= now &&
        // Remembered while this worker's share is none, so its claims keep skipping the endpoint.
        this.concurrencyOf(state.pace) > 0
      ) {
        this.endpoints.delete(endpointId);
      }
    }
  }
}
