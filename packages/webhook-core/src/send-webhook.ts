import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import { WebhookDeliveryError } from "./errors";
import {
  classifyOutcome,
  type NextDelayOptions,
  nextRetryDelay,
  RETRY_PRESETS,
  type RetrySchedule,
} from "./retry";
import { deliverOnce } from "./send";
import { signWebhook } from "./sign";
import type { DeliveryAttempt } from "./types";

/** What `sendWebhook` sends, where, and how it retries. */
export type SendWebhookOptions = {
  /** The receiver's URL, http or https. */
  url: string;
  /**
   * The payload. A string or bytes is sent as is; anything else is sent as `JSON.stringify(payload)`,
   * serialised once so that every attempt sends (and signs) the same bytes.
   */
  payload: unknown;
  /**
   * The endpoint's secret (or the new and old ones during a rotation). Without it the request carries
   * `webhook-id` and `webhook-timestamp` but no signature.
   */
  secrets?: string | readonly string[];
  /**
   * The message id (`webhook-id`), the same on every attempt so receivers can deduplicate.
   * @default `msg_` + a random UUID
   */
  id?: string;
  /**
   * More request headers (for instance an `authorization` the receiver wants). The signature headers
   * always win.
   * @default {}
   */
  headers?: Record<string, string>;
  /**
   * When to retry.
   * @default RETRY_PRESETS.standard (3 attempts: now, after 1 s, after 2 s more)
   */
  retry?: RetrySchedule;
  /**
   * Jitter, `Retry-After` cap and random source for the waits; see `nextRetryDelay`.
   * @default {}
   */
  delay?: Omit<NextDelayOptions, "retryAfterMs">;
  /**
   * Per attempt.
   * @default 30_000
   */
  timeoutMs?: number;
  /**
   * The connection pool.
   * @default a shared SSRF-guarded pool with an empty allow-list
   */
  dispatcher?: Dispatcher;
  /** Called after every attempt, before any wait; awaited. */
  onAttempt?: (attempt: DeliveryAttempt) => void | Promise<void>;
  /** Stops waiting and sending: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
};

/** A delivered webhook. */
export type SendWebhookResult = {
  /** The `webhook-id` it was sent with. */
  id: string;
  /** Every attempt; the last one succeeded. */
  attempts: DeliveryAttempt[];
};

/**
 * Signs and POSTs a webhook, retrying in memory by the schedule: the whole job for an app that uses
 * this library alone. Each attempt is signed anew (fresh timestamp) over the same bytes and id.
 * For deliveries that must survive a restart, store them and drive `deliverOnce` and
 * `nextRetryDelay` from a queue instead.
 *
 * @throws WebhookDeliveryError when it gives up (last status, body excerpt and every attempt in it).
 * @example
 * await sendWebhook({
 *   url: "https://crm.example.com/hooks/genie",
 *   payload: { event: "registration.submitted", data: { email: "ada@example.com" } },
 *   secrets: process.env.WEBHOOK_SECRET,
 *   onAttempt: ({ attempt, result }) => console.log(attempt, result.statusCode ?? result.errorKind),
 * });
 */
export async function sendWebhook(options: SendWebhookOptions): Promise<SendWebhookResult> {
  const { payload, signal } = options;
  const body =
    typeof payload === "string" || payload instanceof Uint8Array ? payload : JSON.stringify(payload);
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    throw new TypeError("payload must be a string, bytes, or a JSON-serialisable value");
  }
  const id = options.id ?? `msg_${randomUUID().replaceAll("-", "")}`;
  const schedule = options.retry ?? RETRY_PRESETS.standard;
  const attempts: DeliveryAttempt[] = [];
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const signature =
      options.secrets === undefined
        ? { "webhook-id": id, "webhook-timestamp": String(Math.floor(Date.now() / 1000)) }
        : signWebhook({ id, body, secrets: options.secrets });
    const result = await deliverOnce({
      url: options.url,
      body,
      headers: { ...options.headers, ...signature },
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
      ...(signal && { signal }),
    });
    const outcome = classifyOutcome(result);
    const nextDelayMs =
      outcome === "retry"
        ? nextRetryDelay(schedule, attempt, { ...options.delay, retryAfterMs: result.retryAfterMs })
        : null;
    const report = { attempt, result, outcome, nextDelayMs };
    attempts.push(report);
    await options.onAttempt?.(report);
    if (outcome === "success") return { id, attempts };
    if (nextDelayMs === null) {
      const what = result.statusCode ?? result.errorKind;
      throw new WebhookDeliveryError(
        `webhook ${id} not delivered after ${attempt} attempt(s): ${what}`,
        attempts,
      );
    }
    await sleep(nextDelayMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // An abort that came before the wait (say, from onAttempt) would never fire the listener.
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
