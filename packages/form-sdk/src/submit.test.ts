// @vitest-environment node
import { afterEach, describe, expect, test } from "vitest";
import { GenieSubmitError, isGenieSubmitError, submitRegistration } from "./submit";
import { startIntake } from "./test-server";

const registration = { projectId: "5a1fa0a4-846d-478f-b080-882c4740440a", email: "ada@example.com" };
let intake: Awaited<ReturnType<typeof startIntake>> | undefined;
afterEach(() => intake?.close());

describe("submitRegistration", () => {
  test("posts JSON to /api/contacts with an Idempotency-Key and answers the contact id", async () => {
    intake = await startIntake([{ status: 201, body: { id: "c1" } }]);
    const result = await submitRegistration(registration, { api: `${intake.url}/` });
    expect(result).toEqual({ id: "c1", replayed: false });
    expect(intake.requests).toHaveLength(1);
    expect(intake.requests[0]?.body).toEqual(registration);
    expect(intake.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(intake.requests[0]?.headers["idempotency-key"]).toMatch(/^[0-9a-f]{32}$/);
  });

  test("retries network errors, 5xx and 429 with the same key, on the schedule, then succeeds", async () => {
    intake = await startIntake([
      { status: 503 },
      { status: 500, body: { error: "internal_error" } },
      { status: 429, headers: { "retry-after": "0" } },
      { status: 201, body: { id: "c2" }, headers: { "idempotent-replayed": "true" } },
    ]);
    const retries: unknown[] = [];
    const result = await submitRegistration(registration, {
      api: intake.url,
      idempotencyKey: "key-1",
      retryDelays: [1, 2, 3],
      onRetry: (retry) => retries.push(retry),
    });
    expect(result).toEqual({ id: "c2", replayed: true });
    expect(intake.requests.map((r) => r.headers["idempotency-key"])).toEqual([
      "key-1",
      "key-1",
      "key-1",
      "key-1",
    ]);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 1, status: 503 },
      { attempt: 2, delayMs: 2, status: 500 },
      { attempt: 3, delayMs: 3, status: 429 },
    ]);
  });

  test("a 429's Retry-After is waited when longer than the schedule's step", async () => {
    intake = await startIntake([
      { status: 429, headers: { "retry-after": "1" }, body: { error: "rate_limited" } },
    ]);
    const retries: { delayMs: number }[] = [];
    await submitRegistration(registration, {
      api: intake.url,
      retryDelays: [5],
      onRetry: (r) => retries.push(r),
    });
    expect(retries.map((r) => r.delayMs)).toEqual([1000]);
  });

  test("a Retry-After over a minute ends the retries with the 429", async () => {
    intake = await startIntake([
      {
        status: 429,
        headers: { "retry-after": "3600" },
        body: { error: "rate_limited", message: "Slow down." },
      },
    ]);
    const error = await submitRegistration(registration, { api: intake.url, retryDelays: [1] }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ status: 429, error: "rate_limited", message: "Slow down." });
    expect(intake.requests).toHaveLength(1);
  });

  test("a 4xx is not retried: it rejects with the intake's reason and field errors", async () => {
    const fieldErrors = { email: ["must be a valid email address"], "fields.company": ["too long"] };
    intake = await startIntake([
      { status: 400, body: { error: "validation_failed", message: "see fieldErrors", fieldErrors } },
    ]);
    const error = await submitRegistration(registration, { api: intake.url, retryDelays: [1, 1] }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(GenieSubmitError);
    expect(isGenieSubmitError(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, error: "validation_failed", fieldErrors });
    expect(intake.requests).toHaveLength(1);
  });

  test("when Genie cannot be reached, every retry is spent and the error says network", async () => {
    intake = await startIntake();
    const closedUrl = intake.url;
    await intake.close();
    intake = undefined;
    const retries: unknown[] = [];
    const error = await submitRegistration(registration, {
      api: closedUrl,
      retryDelays: [1, 1],
      onRetry: (r) => retries.push(r),
    }).catch((e) => e);
    expect(error).toMatchObject({ name: "GenieSubmitError", status: 0, error: "network" });
    expect(retries).toHaveLength(2);
  });

  test("5xx until the schedule ends: rejects with the last status", async () => {
    intake = await startIntake([{ status: 502 }, { status: 503, body: { error: "unavailable" } }]);
    const error = await submitRegistration(registration, { api: intake.url, retryDelays: [1] }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ status: 503, error: "unavailable" });
    expect(intake.requests).toHaveLength(2);
  });
});
