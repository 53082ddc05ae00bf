import type { Attribution, Utm } from "./attribution";
import { randomId } from "./text";

/** A custom field's value. */
export type FieldValue = string | number | boolean | null;

/** The body of `POST /api/contacts` (see the Genie README's "Registration intake"). */
export type Registration = {
  email: string;
  name?: string;
  /** As typed: Genie stores it in E.164, reading national numbers with the project's default country. */
  phone?: string;
  /** The words shown beside the checkbox, whether it was checked, when (ISO-8601). */
  consent?: { text: string; given: boolean; at?: string };
  projectId: string;
  pageId?: string;
  pageUrl?: string;
  landingPage?: string;
  referrer?: string;
  visitorId?: string;
  utm?: Utm;
  firstTouch?: { utm?: Utm; landingPage?: string; referrer?: string; at?: string };
  fields?: Record<string, FieldValue>;
  /** The honeypot: people leave it empty. */
  _hp?: string;
};

/** What Genie answered: the contact's id, and whether this key had been used before (nothing new stored). */
export type SubmitResult = { id: string; replayed: boolean };

export type SubmitOptions = {
  /** Genie's address, e.g. `https://genie.example.com`. */
  api: string;
  /**
   * One per logical submission: reuse it for the same registration (a retry, a second click) so Genie
   * stores one contact; a new one for the next registration. @default a random key per call
   */
  idempotencyKey?: string;
  /**
   * Waits before each retry of a network error, a 5xx or a 429, in ms; its length is the number of
   * retries. A 429's `Retry-After` is waited instead when longer (over a minute: no retry).
   * @default [1000, 3000, 9000]
   */
  retryDelays?: readonly number[];
  /** Called before each retry wait. */
  onRetry?: (retry: { attempt: number; delayMs: number; status: number }) => void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
};

/**
 * Why a registration was not accepted. `status` is the HTTP status, 0 when Genie could not be reached;
 * `error` the intake's machine name (`validation_failed`, `origin_not_allowed`, `rate_limited`,
 * `network`, …); `fieldErrors` messages by field path (`email`, `phone`, `fields.company`).
 */
export class GenieSubmitError extends Error {
  override name = "GenieSubmitError";
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

/** True for a GenieSubmitError, also one from another copy of the SDK. */
export const isGenieSubmitError = (value: unknown): value is GenieSubmitError =>
  value instanceof Error && value.name === "GenieSubmitError";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts one registration to Genie, retrying network errors, 5xx and 429 with the same
 * Idempotency-Key (so however many attempts arrive, one contact is stored). Resolves with the
 * contact id; rejects with a GenieSubmitError.
 *
 * @example
 * const { id } = await submitRegistration(
 *   { projectId, email: "ada@example.com", ...attributionFields(captureAttribution()) },
 *   { api: "https://genie.example.com" },
 * );
 */
export async function submitRegistration(input: Registration, options: SubmitOptions): Promise<SubmitResult> {
  const { retryDelays = [1000, 3000, 9000] } = options;
  const send = options.fetch ?? fetch;
  const key = options.idempotencyKey ?? randomId();
  const url = `${options.api.replace(/\/+$/, "")}/api/contacts`;
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let delay = retryDelays[attempt];
    let body: { id?: string; error?: string; message?: string; fieldErrors?: Record<string, string[]> } = {};
    try {
      const response = await send(url, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(input),
      });
      status = response.status;
      body = await response.json().catch(() => ({}));
      if (response.ok && body.id) {
        return { id: body.id, replayed: response.headers.get("idempotent-replayed") === "true" };
      }
      if (status < 500 && status !== 429) delay = undefined;
      const retryAfter = Number(response.headers.get("retry-after")) * 1000;
      // A wait of more than a minute is longer than a visitor stays: the message says to try later.
      if (retryAfter > 60_000) delay = undefined;
      else if (delay !== undefined && retryAfter > delay) delay = retryAfter;
    } catch {
      // fetch rejects (offline, refused, CORS) with a TypeError: retried like a 5xx.
    }
    if (delay === undefined) {
      throw status
        ? new GenieSubmitError(
            status,
            body.error ?? "http",
            body.message ?? `HTTP ${status}`,
            body.fieldErrors,
          )
        : new GenieSubmitError(0, "network", "Network error");
    }
    options.onRetry?.({ attempt: attempt + 1, delayMs: delay, status });
    await wait(delay);
  }
}

/**
 * The registration's attribution fields from `captureAttribution()`: last touch as `utm`,
 * `landingPage` and `referrer`, the first touch, the visitor id, the page URL, and the click ids as
 * custom fields. Undefined values are left out of the JSON.
 */
export function attributionFields(attribution: Attribution) {
  const { visitorId, pageUrl, firstTouch, lastTouch } = attribution;
  const { clickIds: _firstClickIds, ...first } = firstTouch;
  const { clickIds, at: _lastAt, ...last } = lastTouch;
  return { ...last, visitorId, pageUrl, firstTouch: first, fields: clickIds } satisfies Partial<Registration>;
}
