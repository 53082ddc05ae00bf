import { WebhookVerificationError as StandardWebhooksError } from "standardwebhooks";
import { describe, expect, test } from "vitest";
import {
  isSsrfBlockedError,
  isWebhookDeliveryError,
  isWebhookError,
  isWebhookSecretError,
  isWebhookVerificationError,
  SsrfBlockedError,
  WebhookDeliveryError,
  WebhookError,
  WebhookSecretError,
  WebhookVerificationError,
} from "./errors";

describe("errors", () => {
  test("carry their class name, so logs and serialised errors say what they are", () => {
    expect(new WebhookVerificationError("timestamp-too-old", "old").name).toBe("WebhookVerificationError");
    expect(new WebhookSecretError("bad").name).toBe("WebhookSecretError");
    expect(new SsrfBlockedError("no", { hostname: "x" }).name).toBe("SsrfBlockedError");
    expect(new WebhookDeliveryError("gave up", []).name).toBe("WebhookDeliveryError");
    expect(new WebhookVerificationError("missing-header", "m")).toBeInstanceOf(WebhookError);
  });

  test("a delivery error exposes the last attempt's status and body", () => {
    const result = { ok: false, statusCode: 503, responseExcerpt: "busy", durationMs: 3 };
    const error = new WebhookDeliveryError("gave up", [
      {
        attempt: 1,
        result: { ok: false, errorKind: "timeout", durationMs: 1 },
        outcome: "retry",
        nextDelayMs: 5,
      },
      { attempt: 2, result, outcome: "retry", nextDelayMs: null },
    ]);
    expect([error.status, error.body, error.errorKind, error.attempts.length]).toEqual([
      503,
      "busy",
      undefined,
      2,
    ]);
  });

  test("the guards recognise errors from another copy of the library by name", () => {
    // What an error looks like after crossing a realm or a duplicated install: right name, other class.
    const foreign = Object.assign(new Error("x"), {
      name: "WebhookVerificationError",
      reason: "missing-header",
    });
    expect(isWebhookVerificationError(foreign)).toBe(true);
    expect(isWebhookError(foreign)).toBe(true);
    expect(isWebhookSecretError({ name: "WebhookSecretError" })).toBe(true);
    expect(isSsrfBlockedError({ name: "SsrfBlockedError" })).toBe(true);
    expect(isWebhookDeliveryError({ name: "WebhookDeliveryError", attempts: [] })).toBe(true);
  });

  test("the guards do not mistake the standardwebhooks package's error of the same name for ours", () => {
    const theirs = new StandardWebhooksError("No matching signature found");
    expect(theirs.name).toBe("WebhookVerificationError");
    expect(isWebhookVerificationError(theirs)).toBe(false);
    expect(isWebhookError(theirs)).toBe(false);
  });

  test("the guards reject everything else without throwing", () => {
    for (const value of [undefined, null, 0, "WebhookError", {}, new Error("x"), new TypeError("y")]) {
      expect(
        [
          isWebhookError,
          isWebhookVerificationError,
          isWebhookSecretError,
          isSsrfBlockedError,
          isWebhookDeliveryError,
        ].map((g) => g(value)),
      ).toEqual([false, false, false, false, false]);
    }
  });
});
