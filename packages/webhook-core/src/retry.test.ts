import { describe, expect, test } from "vitest";
import { classifyOutcome, nextRetryDelay, parseRetryAfter, RETRY_PRESETS } from "./retry";

describe("classifyOutcome", () => {
  test.each([
    [200, "success"],
    [204, "success"],
    [299, "success"],
    [500, "retry"],
    [502, "retry"],
    [503, "retry"],
    [599, "retry"],
    [408, "retry"],
    [429, "retry"],
    [410, "disable"],
    [400, "give-up"],
    [401, "give-up"],
    [404, "give-up"],
    [422, "give-up"],
    [301, "give-up"],
    [302, "give-up"],
    [307, "give-up"],
    [101, "give-up"],
  ] as const)("classifies HTTP %i as %s", (statusCode, outcome) => {
    expect(classifyOutcome({ statusCode })).toBe(outcome);
  });

  test.each([
    ["dns", "retry"],
    ["connect", "retry"],
    ["tls", "retry"],
    ["timeout", "retry"],
    ["reset", "retry"],
    ["network", "retry"],
    ["ssrf-blocked", "give-up"],
    ["invalid-request", "give-up"],
  ] as const)("classifies a %s failure as %s", (errorKind, outcome) => {
    expect(classifyOutcome({ errorKind })).toBe(outcome);
  });
});

describe("nextRetryDelay", () => {
  test("the standard preset is the spec's: 3 attempts, waiting 1 s then 2 s", () => {
    const waits = [1, 2, 3].map((attempt) => nextRetryDelay(RETRY_PRESETS.standard, attempt));
    expect(waits).toEqual([1000, 2000, null]);
  });

  test("the extended preset makes 8 attempts over more than a day", () => {
    const waits = [];
    for (let attempt = 1; attempt <= 10; attempt++)
      waits.push(nextRetryDelay(RETRY_PRESETS.extended, attempt));
    const scheduled = waits.filter((w): w is number => w !== null);
    expect(scheduled).toHaveLength(7);
    expect(scheduled.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3_600_000);
  });

  test("the presets cannot be changed by a caller", () => {
    expect(() => {
      (RETRY_PRESETS.standard.delaysMs as unknown as number[]).push(5);
    }).toThrow(TypeError);
  });

  test("returns null for attempt numbers outside the schedule", () => {
    for (const attempt of [0, -1, 1.5, Number.NaN, 99])
      expect(nextRetryDelay(RETRY_PRESETS.standard, attempt)).toBeNull();
  });

  test("waits for a longer Retry-After, up to the cap", () => {
    const standard = RETRY_PRESETS.standard;
    expect(nextRetryDelay(standard, 1, { retryAfterMs: 30_000 })).toBe(30_000);
    expect(nextRetryDelay(standard, 1, { retryAfterMs: 10 })).toBe(1000);
    expect(nextRetryDelay(standard, 1, { retryAfterMs: 86_400_000 })).toBe(3_600_000);
    expect(nextRetryDelay(standard, 1, { retryAfterMs: 86_400_000, retryAfterCapMs: 5000 })).toBe(5000);
  });

  test("a Retry-After does not add attempts", () => {
    expect(nextRetryDelay(RETRY_PRESETS.standard, 3, { retryAfterMs: 1000 })).toBeNull();
  });

  test("jitter spreads a wait by up to the fraction either way", () => {
    const schedule = { delaysMs: [1000] };
    expect(nextRetryDelay(schedule, 1, { jitter: 0.2, random: () => 0 })).toBe(800);
    expect(nextRetryDelay(schedule, 1, { jitter: 0.2, random: () => 0.5 })).toBe(1000);
    expect(nextRetryDelay(schedule, 1, { jitter: 0.2, random: () => 0.999999 })).toBe(1200);
    expect(nextRetryDelay(schedule, 1, { jitter: 5, random: () => 0 })).toBe(0);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");

  test("reads delay-seconds", () => {
    expect(parseRetryAfter("120")).toBe(120_000);
    expect(parseRetryAfter(" 0 ")).toBe(0);
  });

  test("reads the three HTTP-date forms relative to now", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Wed Oct 21 07:28:10 2015", now)).toBe(
      Date.parse("Wed Oct 21 07:28:10 2015") - now,
    );
  });

  test("gives 0 for a date in the past", () => {
    expect(parseRetryAfter("Tue, 20 Oct 2015 07:28:00 GMT", now)).toBe(0);
  });

  test.each([undefined, null, "", "soon", "-5", "1.5", "Monday", "1e3", "Wed, 99 Foo 2015", "12345678901"])(
    "ignores %j",
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});
