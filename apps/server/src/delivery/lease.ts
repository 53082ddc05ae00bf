import { attemptOf } from "./attempt";
import type { AttemptFn, AttemptRecord, ClaimedDelivery } from "./contract";
import type { Held } from "./scheduler";

/** An attempt is never started with less lease left than its timeout plus this. */
export const LEASE_MARGIN_MS = 1000;

/** Why the worker cut an attempt short; the attempt is logged as `aborted` with this message. */
export class AttemptAbortedError extends Error {
  override name = "AttemptAbortedError";
}

export type LeasedAttemptsOptions = {
  attempt: AttemptFn;
  leaseMs: number;
  attemptTimeoutMs: number;
  /** Extends a lease; false when it was lost (another worker has it) or cannot be known. */
  renew(deliveryId: string, holder: string): Promise<boolean>;
  /** Whether an attempt under `holder`'s lease may start now (running, and the session is that one). */
  mayStart(holder: string): boolean;
  onError(error: unknown, what: string): void;
};

/**
 * Attempts under a lease that outlasts them: renewed first if the delivery waited, and the request is
 * cut (logged as aborted) should the lease ever be about to run out, so no other worker can send the
 * same delivery while this attempt is still in flight. `cutAll` cuts every attempt in flight (the
 * worker stops, or loses its session and with it its leases).
 */
export class LeasedAttempts {
  private readonly options: LeasedAttemptsOptions;
  /** One controller per attempt in flight (cheaper than combining signals per attempt). */
  private readonly inFlight = new Set<AbortController>();

  constructor(options: LeasedAttemptsOptions) {
    this.options = options;
  }

  /** Cuts every attempt in flight now; each is reported with `reason`. */
  cutAll(reason: AttemptAbortedError): void {
    for (const controller of this.inFlight) controller.abort(reason);
  }

  /** Runs one attempt; null when it was not made (the lease was lost before it started). */
  async run({ delivery, holder, leasedUntil }: Held): Promise<AttemptRecord | null> {
    const { leaseMs, attemptTimeoutMs } = this.options;
    if (leasedUntil - Date.now() < attemptTimeoutMs + LEASE_MARGIN_MS) {
      const renewedUntil = Date.now() + leaseMs;
      const renewed = await this.options.renew(delivery.id, holder).catch((error: unknown) => {
        this.options.onError(error, "renewing a lease");
        return false;
      });
      // Lost (another worker has it) or unknown (database away): not ours to send.
      if (!renewed) return null;
      leasedUntil = renewedUntil;
    }
    // Never under a lease of a lost session: another worker may be taking it over.
    if (!this.options.mayStart(holder)) return null;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const leaseTimer = setTimeout(
      () => controller.abort(new AttemptAbortedError("the delivery's lease was about to run out")),
      leasedUntil - Date.now() - LEASE_MARGIN_MS,
    );
    try {
      return await this.options.attempt(delivery, controller.signal);
    } catch (error) {
      // The attempt function reports receivers' failures as records; a throw is our own bug. The
      // delivery ends as failed, visibly, rather than being re-sent unseen when its lease expires.
      this.options.onError(error, `attempting delivery ${delivery.id}`);
      return internalFailure(delivery, error);
    } finally {
      clearTimeout(leaseTimer);
      this.inFlight.delete(controller);
    }
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
    retryAfterMs: null,
    disableEndpointReason: null,
  };
}
