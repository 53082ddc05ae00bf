// The refinements of the contract: each rule a schema adds beyond types, checked from both sides.
import { describe, expect, test } from "vitest";
import type { z } from "zod";
import { fieldErrorsOf } from "./common";
import { redeliverFailedSchema } from "./deliveries";
import { endpointCreateSchema, endpointUpdateSchema } from "./endpoints";
import { originSchema, projectCreateSchema } from "./funnels";
import { REGISTRATION_LIMITS } from "./limits";
import { registrationSchema } from "./registration";
import { statsInputSchema } from "./stats";
import { sendTestSchema } from "./webhooks";

const PROJECT = "6c1d3b2e-8f6a-4c55-9d1e-2f4a5b6c7d8e";
const errorsOf = (result: { success: boolean; error?: unknown }) =>
  result.success ? {} : fieldErrorsOf(result.error as z.ZodError).fieldErrors;

describe("registration", () => {
  test("trims text and keeps custom fields flat, scalar and named like identifiers", () => {
    const parsed = registrationSchema.parse({
      email: "ann@example.com",
      name: "  Ann  ",
      projectId: PROJECT,
      fields: { company: " Acme ", seats: 5, vip: true, note: null },
    });
    expect(parsed.name).toBe("Ann");
    expect(parsed.fields).toEqual({ company: "Acme", seats: 5, vip: true, note: null });
    expect(
      errorsOf(
        registrationSchema.safeParse({ email: "a@b.co", projectId: PROJECT, fields: { __proto__x: 1 } }),
      ),
    ).toHaveProperty(["fields.__proto__x"]);
    expect(
      errorsOf(
        registrationSchema.safeParse({ email: "a@b.co", projectId: PROJECT, fields: { a: { b: 1 } } }),
      ),
    ).toEqual({ "fields.a": ["must be text, a number, true, false or null"] });
  });

  test("a custom field's text says which text rule it broke", () => {
    const result = registrationSchema.safeParse({
      email: "a@b.co",
      projectId: PROJECT,
      fields: { company: "A\u0000" },
    });
    expect(errorsOf(result)).toEqual({
      "fields.company": ["must not contain control characters (found U+0000)"],
    });
  });

  test("at most the configured number of custom fields", () => {
    const fields = Object.fromEntries(
      Array.from({ length: REGISTRATION_LIMITS.customFields + 1 }, (_, i) => [`f${i}`, i]),
    );
    expect(errorsOf(registrationSchema.safeParse({ email: "a@b.co", projectId: PROJECT, fields }))).toEqual({
      fields: [`at most ${REGISTRATION_LIMITS.customFields} custom fields`],
    });
  });
});

describe("endpoints", () => {
  test("custom headers refuse the names Genie sets and values that could smuggle a header", () => {
    const result = endpointCreateSchema.safeParse({
      url: "https://crm.example.com/hook",
      customHeaders: { "Webhook-Signature": "x", "x-api-key": "line\r\nbreak" },
    });
    expect(errorsOf(result)).toEqual({
      "customHeaders.Webhook-Signature": ["is set by Genie itself"],
      "customHeaders.x-api-key": ["must be printable ASCII"],
    });
  });

  test("an update patches headers: null removes one", () => {
    const parsed = endpointUpdateSchema.parse({
      id: PROJECT,
      customHeaders: { "x-old": null, "x-new": "v" },
    });
    expect(parsed.customHeaders).toEqual({ "x-old": null, "x-new": "v" });
  });

  test("a test send takes a saved endpoint or an unsaved URL, not both", () => {
    expect(sendTestSchema.safeParse({ endpointId: PROJECT }).success).toBe(true);
    expect(sendTestSchema.parse({ url: "https://crm.example.com/x" })).toEqual({
      url: "https://crm.example.com/x",
      customHeaders: {},
      payloadFormat: "nested",
    });
    expect(sendTestSchema.safeParse({ endpointId: PROJECT, url: "https://crm.example.com/x" }).success).toBe(
      false,
    );
  });
});

describe("funnels", () => {
  test("an allowed origin is scheme, host and port; repeats collapse", () => {
    expect(originSchema.parse("https://example.com/")).toBe("https://example.com");
    expect(originSchema.safeParse("https://example.com/path").success).toBe(false);
    expect(
      projectCreateSchema.parse({
        name: "Launch",
        allowedOrigins: ["https://a.example", "https://a.example/"],
      }).allowedOrigins,
    ).toEqual(["https://a.example"]);
  });
});

describe("date ranges", () => {
  test("redeliverFailed wants from before to, and says so on `to`", () => {
    const result = redeliverFailedSchema.safeParse({
      from: "2026-11-29T10:00:00Z",
      to: "2026-11-29T09:00:00Z",
    });
    expect(errorsOf(result)).toEqual({ to: ["from must be before to"] });
  });

  test("stats refuses more buckets than a chart can show", () => {
    const byHour = statsInputSchema.safeParse({ from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z" });
    expect(errorsOf(byHour)).toEqual({ from: ["at most 31 days by hour or 366 days by day"] });
    const byDay = statsInputSchema.safeParse({
      from: "2026-01-01T00:00:00Z",
      to: "2026-03-01T00:00:00Z",
      bucket: "day",
    });
    expect(byDay.success).toBe(true);
  });
});
