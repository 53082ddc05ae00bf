import { describe, expect, test } from "vitest";
import { z } from "zod";
import { byIdSchema, dateInputSchema, fieldErrorsOf, storableText, timestampSchema } from "./common";

describe("fieldErrorsOf", () => {
  const schema = z.strictObject({
    email: z.email({ error: "must be a valid email address" }),
    utm: z.strictObject({ source: z.string().max(3, "too long") }).optional(),
    fields: z.record(z.string(), z.string().check(storableText)).optional(),
  });

  test("keys each message by its field's dotted path, nested ones included", () => {
    const result = schema.safeParse({
      email: "no",
      utm: { source: "newsletter" },
      fields: { company: "a\u0000" },
    });
    expect(result.success).toBe(false);
    expect(fieldErrorsOf(result.error as z.ZodError)).toEqual({
      formErrors: [],
      fieldErrors: {
        email: ["must be a valid email address"],
        "utm.source": ["too long"],
        "fields.company": ["must not contain control characters (found U+0000)"],
      },
    });
  });

  test("puts problems of the whole value (an unknown key) in formErrors", () => {
    const result = schema.safeParse({ email: "a@example.com", extra: 1 });
    expect(fieldErrorsOf(result.error as z.ZodError).formErrors).toEqual(['Unrecognized key: "extra"']);
  });
});

describe("dates and ids", () => {
  test("dateInputSchema wants an offset and gives a Date", () => {
    expect(dateInputSchema.parse("2026-11-29T10:00:00+01:00")).toEqual(new Date("2026-11-29T09:00:00Z"));
    expect(dateInputSchema.safeParse("2026-11-29").success).toBe(false);
  });

  test("timestampSchema answers a Date as ISO-8601", () => {
    expect(timestampSchema.parse(new Date("2026-11-29T09:00:00Z"))).toBe("2026-11-29T09:00:00.000Z");
  });

  test("byIdSchema takes a uuid and nothing else", () => {
    expect(byIdSchema.safeParse({ id: "not-a-uuid" }).success).toBe(false);
    expect(byIdSchema.safeParse({ id: "6c1d3b2e-8f6a-4c55-9d1e-2f4a5b6c7d8e", more: 1 }).success).toBe(false);
  });
});
