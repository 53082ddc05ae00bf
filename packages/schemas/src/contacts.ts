import { z } from "zod";
import { storableText, timestampSchema } from "./common";
import { storedUtmSchema } from "./webhooks";

/** Filters shared by contacts.list and the CSV export (`GET /api/contacts.csv?search=…&projectId=…`). */
export const contactFilterSchema = z.strictObject({
  /** Part of the email or name, case-insensitive. */
  search: z.string().trim().min(1).max(254).check(storableText).optional(),
  projectId: z.uuid().optional(),
});

export const contactListInputSchema = contactFilterSchema.extend({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type ContactListInput = z.input<typeof contactListInputSchema>;
/** The list's filters once validated (defaults filled). */
export type ContactListQuery = z.output<typeof contactListInputSchema>;

const nullable = z.string().nullable();

export const contactSchema = z.object({
  id: z.string(),
  createdAt: timestampSchema,
  email: z.string(),
  name: nullable,
  projectId: z.string(),
  pageId: nullable,
  utm: storedUtmSchema,
  visitorId: nullable,
  referrer: nullable,
  pageUrl: nullable,
  landingPage: nullable,
  customFields: z.record(z.string(), z.unknown()),
});
/** As the server returns it (Dates); clients receive the schema's output (ISO strings). */
export type ContactView = z.input<typeof contactSchema>;

export const contactPageSchema = z.object({
  items: z.array(contactSchema),
  nextCursor: z.string().nullable(),
});
