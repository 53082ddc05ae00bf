import { RESERVED_HEADER_NAMES } from "@genie/schemas";
import {
  classifyOutcome,
  createSsrfGuardedAgent,
  type DeliveryResult,
  deliverOnce,
  GENIE_USER_AGENT,
  nextRetryDelay,
  RETRY_PRESETS,
  signWebhook,
} from "@genie/webhook-core";
import { timeStage } from "../metrics";
import type { AttemptRecord, ClaimedDelivery } from "./contract";

/** Longest wait a receiver's Retry-After may ask for; beyond it our own schedule applies. */
const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;
/** Custom headers saved before a name became reserved are still never sent over ours. */
const RESERVED_HEADERS = new Set<string>(RESERVED_HEADER_NAMES);

export type AttemptSender = {
  timeoutMs: number;
  /** The SSRF-guarded connection pool (undici's "dispatcher") every attempt goes through. */
  agent: ReturnType<typeof createSsrfGuardedAgent>;
};

export function createAttemptSender(options: { timeoutMs: number; ssrfAllow: string[] }): AttemptSender {
  return { timeoutMs: options.timeoutMs, agent: createSsrfGuardedAgent({ allow: options.ssrfAllow }) };
}

/** The request headers of one attempt: signatures over the exact body, plus the endpoint's own headers. */
export function attemptHeaders(
  delivery: Pick<ClaimedDelivery, "eventId" | "body" | "secrets" | "customHeaders">,
  now = new Date(),
): Record<string, string> {
  const custom = Object.fromEntries(
    Object.entries(delivery.customHeaders).filter(([name]) => !RESERVED_HEADERS.has(name.toLowerCase())),
  );
  return {
    ...custom,
    "content-type": "application/json",
    "user-agent": GENIE_USER_AGENT,
    ...signWebhook({ id: delivery.eventId, timestamp: now, body: delivery.body, secrets: delivery.secrets }),
  };
}

/** What every record of an attempt of `delivery` says about which attempt it is. */
export function attemptOf(delivery: ClaimedDelivery) {
  return {
    deliveryId: delivery.id,
    userId: delivery.userId,
    endpointId: delivery.endpointId,
    eventType: delivery.eventType,
    url: delivery.url,
    attemptNumber: delivery.attemptCount + 1,
  };
}

/** Custom header values can be credentials: logs keep their names only. */
export function maskHeaders(headers: Record<string, string>, customHeaders: Record<string, string>) {
  const custom = new Set(Object.keys(customHeaders).map((name) => name.toLowerCase()));
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, custom.has(name.toLowerCase()) ? "••••••" : value]),
  );
}

/**
 * Sends one attempt of a claimed delivery and decides what happens next, by the endpoint's retry
 * preset. When `signal` aborts, the request is cut and the attempt is reported as `aborted` (the
 * receiver may have seen it) and retried on the schedule like a timeout.
 */
export async function attemptDelivery(
  sender: AttemptSender,
  delivery: ClaimedDelivery,
  signal?: AbortSignal,
): Promise<AttemptRecord> {
  const signing = performance.now();
  const headers = attemptHeaders(delivery);
  timeStage("sign", signing);
  const started = performance.now();
  let result: DeliveryResult;
  let outcome: ReturnType<typeof classifyOutcome>;
  let aborted = false;
  try {
    result = await deliverOnce({
      url: delivery.url,
      body: delivery.body,
      headers,
      timeoutMs: sender.timeoutMs,
      dispatcher: sender.agent,
      ...(signal && { signal }),
    });
    outcome = classifyOutcome(result);
    timeStage("send", started);
  } catch (reason) {
    // deliverOnce throws only when `signal` aborted it.
    const why = reason instanceof Error ? reason.message : String(reason);
    result = {
      ok: false,
      errorMessage: `cut short by Genie: ${why}`,
      durationMs: performance.now() - started,
    };
    outcome = "retry";
    aborted = true;
  }
  const attemptNumber = delivery.attemptCount + 1;
  const schedule = RETRY_PRESETS[delivery.retryPreset];
  const retryDelayMs =
    outcome === "retry"
      ? nextRetryDelay(schedule, attemptNumber, {
          retryAfterMs: result.retryAfterMs,
          retryAfterCapMs: RETRY_AFTER_CAP_MS,
        })
      : null;
  return {
    ...attemptOf(delivery),
    success: outcome === "success",
    statusCode: result.statusCode ?? null,
    errorKind: aborted ? "aborted" : (result.errorKind ?? (outcome === "success" ? null : "http")),
    errorMessage:
      result.errorMessage ?? (outcome === "success" ? null : `receiver answered ${result.statusCode}`),
    durationMs: Math.round(result.durationMs),
    requestHeaders: maskHeaders(headers, delivery.customHeaders),
    responseExcerpt: result.responseExcerpt ?? null,
    nextStatus: outcome === "success" ? "succeeded" : retryDelayMs === null ? "failed" : "pending",
    retryDelayMs,
    retryAfterMs:
      result.retryAfterMs === undefined ? null : Math.min(result.retryAfterMs, RETRY_AFTER_CAP_MS),
    disableEndpointReason:
      outcome === "disable"
        ? // When is the endpoint's disabledAt, shown beside this in the owner's own time zone.
          "The receiver answered 410 Gone (this URL no longer exists); delivery stopped. Re-enable once the URL is right."
        : null,
  };
}
