import { z } from "zod";
import { storableText, timestampSchema } from "./common";

const name = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .check(storableText);

/** A browser origin (`https://example.com`, `http://localhost:5173`): scheme, host and port, no path. */
export const originSchema = z
  .url({ protocol: /^https?$/, error: "must be an origin like https://example.com" })
  .refine((value) => new URL(value).origin === value.replace(/\/$/, ""), {
    message: "must be an origin like https://example.com, without a path",
  })
  .transform((value) => new URL(value).origin);

export const MAX_ALLOWED_ORIGINS = 50;

/**
 * The country whose national phone numbers a project's forms collect (ISO 3166-1 alpha-2, `US`,
 * `DE`): `020 7946 0018` is read as a number of this country. Null: only international numbers
 * (`+44 20 7946 0018`). The server also checks that libphonenumber knows the country.
 */
export const defaultCountrySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, "must be a two-letter country code like US or DE")
  .nullable();

const allowedOrigins = z
  .array(originSchema)
  .max(MAX_ALLOWED_ORIGINS, `at most ${MAX_ALLOWED_ORIGINS} origins`)
  .transform((origins) => [...new Set(origins)]);

/** A funnel page's address; empty when not known yet. */
const pageUrl = z.union([
  z.literal(""),
  z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(2048, "must be at most 2048 characters")
    .check(storableText),
]);

export const projectCreateSchema = z.strictObject({
  name,
  /** Origins whose pages may post registrations (CORS); empty: any origin. */
  allowedOrigins: allowedOrigins.default([]),
  enabled: z.boolean().default(true),
  /** See `defaultCountrySchema`. */
  defaultCountry: defaultCountrySchema.default(null),
});
export type ProjectCreateInput = z.input<typeof projectCreateSchema>;
export type ProjectCreate = z.output<typeof projectCreateSchema>;

export const projectUpdateSchema = z.strictObject({
  id: z.uuid(),
  name: name.optional(),
  allowedOrigins: allowedOrigins.optional(),
  enabled: z.boolean().optional(),
  defaultCountry: defaultCountrySchema.optional(),
});
export type ProjectUpdateInput = z.input<typeof projectUpdateSchema>;
export type ProjectUpdate = z.output<typeof projectUpdateSchema>;

export const pageCreateSchema = z.strictObject({ projectId: z.uuid(), name, url: pageUrl.default("") });
export type PageCreateInput = z.input<typeof pageCreateSchema>;
export type PageCreate = z.output<typeof pageCreateSchema>;

export const pageUpdateSchema = z.strictObject({
  id: z.uuid(),
  name: name.optional(),
  url: pageUrl.optional(),
});
export type PageUpdateInput = z.input<typeof pageUpdateSchema>;
export type PageUpdate = z.output<typeof pageUpdateSchema>;

export const pageSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  url: z.string(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  /** The HTML a marketer pastes into this page. */
  embedSnippet: z.string(),
});
/** As the server returns it (Dates); clients receive the schema's output (ISO strings). */
export type PageView = z.input<typeof pageSchema>;

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  enabled: z.boolean(),
  /** ISO 3166-1 alpha-2 country for national phone numbers; null: international numbers only. */
  defaultCountry: z.string().nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  /** The HTML for a page of this project that has no page record of its own. */
  embedSnippet: z.string(),
  pages: z.array(pageSchema),
  /** Registrations (contacts) the project holds. */
  registrations: z.number(),
});
/** As the server returns it (Dates); clients receive the schema's output (ISO strings). */
export type ProjectView = z.input<typeof projectSchema>;
