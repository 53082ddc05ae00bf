/**
 * The contract between the parts of a process that create deliveries (the intake, the dashboard API)
 * and the delivery worker that runs them. Everything that crosses that line is defined here.
 *
 * The rule it keeps: a delivery is attempted only by the worker that holds its lease (`locked_by`),
 * and an attempt's outcome is written against that lease. The intake may write new deliveries
 * already leased to the worker of its own process, but only into a slot the worker reserved for
 * them; without a reservation it writes them unleased and leaves them to a poller (on the embedded
 * database, this process's own), never to the worker directly.
 */

/** A delivery this worker holds the lease on, with what it needs of its endpoint to send it. */
export type ClaimedDelivery = {
  id: string;
  userId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  body: string;
  /** Attempts made before this one. */
  attemptCount: number;
  url: string;
  secrets: string[];
  retryPreset: "standard" | "extended";
  customHeaders: Record<string, string>;
  /** The endpoint's own limits, shared by every worker (see scheduler.ts). */
  pace: EndpointPace;
};

/**
 * The live workers sharing each endpoint's limits, and this one's place (0-based) among them: an
 * endpoint's concurrency is split by place, so the shares add up to the limit exactly.
 */
export type WorkerShare = { workers: number; rank: number };

/** An endpoint's limits across all workers; null: none of its own (the worker's limits apply). */
export type EndpointPace = {
  /** Attempts started per second, at most. */
  ratePerSecond: number | null;
  /** Attempts in flight at once, at most. */
  concurrency: number | null;
};

/** What one finished (or aborted) attempt changes: a log row, and the delivery's next state. */
export type AttemptRecord = {
  deliveryId: string;
  userId: string;
  endpointId: string;
  eventType: string;
  url: string;
  attemptNumber: number;
  success: boolean;
  statusCode: number | null;
  errorKind: string | null;
  errorMessage: string | null;
  durationMs: number;
  requestHeaders: Record<string, string>;
  responseExcerpt: string | null;
  /** pending: try again after retryDelayMs; succeeded / failed: done. */
  nextStatus: "pending" | "succeeded" | "failed";
  retryDelayMs: number | null;
  /** What the receiver's Retry-After asked for (capped like the retry's own wait); null without one. */
  retryAfterMs: number | null;
  /** Set when the receiver answered 410 Gone: the endpoint is disabled with this reason. */
  disableEndpointReason: string | null;
};

/**
 * Makes one attempt of a leased delivery and says what it changes; never throws for a receiver's
 * failure. When `signal` aborts (the worker stops, or the lease is about to run out) the request is
 * cut and the attempt is reported with `errorKind: "aborted"`: the receiver may have seen it.
 */
export type AttemptFn = (delivery: ClaimedDelivery, signal: AbortSignal) => Promise<AttemptRecord>;

/**
 * A slot of the worker kept free for the deliveries of one registration the intake is about to
 * write. The intake writes them leased to `workerId` for `leaseMs`, then calls exactly one of
 * `adopt` (the statement committed) or `release` (it failed or stored nothing); both are safe to
 * call more than once, so `release` can sit in a `finally`.
 */
export type SlotReservation = {
  readonly workerId: string;
  readonly leaseMs: number;
  /** Runs the deliveries written under this reservation (all leased to `workerId`). */
  adopt(deliveries: ClaimedDelivery[]): void;
  /** Gives the slot back unused. */
  release(): void;
};

/** How the intake hands new deliveries to the worker of its process. */
export type DeliveryHandOff = {
  /** A reserved slot, or null when the worker is full or stopping: write the deliveries unleased. */
  reserve(): SlotReservation | null;
};

/** Wakes the worker of this process for deliveries queued again (redeliver). */
export type DeliveryWaker = { wake(deliveryIds: string[]): void };
