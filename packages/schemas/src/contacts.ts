import { z } from "zod";
import { pageDirectionSchema, storableText, timestampSchema } from "./common";
import { storedConsentSchema, storedFirstTouchSchema, storedUtmSchema } from "./webhooks";

/** Filters shared by contacts.list and the CSV export (`GET /api/contacts.csv?search=…&projectId=…`). */
export const contactFilterSchema = z.strictObject({
  /** Part of the email or name, case-insensitive. */
  search: z.string().trim().min(1).max(254).check(storableText).optional(),
  projectId: z.uuid().optional(),
});

export const contactListInputSchema = contactFilterSchema.extend({
  cursor: z.string().max(200).optional(),
  direction: pageDirectionSchema,
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
  /** E.164. */
  phone: nullable,
  consent: storedConsentSchema.nullable(),
  projectId: z.string(),
  pageId: nullable,
  utm: storedUtmSchema,
  visitorId: nullable,
  referrer: nullable,
  pageUrl: nullable,
  landingPage: nullable,
  firstTouch: storedFirstTouchSchema.nullable(),
  customFields: z.record(z.string(), z.unknown()),
});
/** As the server returns it (Dates); clients receive the schema's output (ISO strings). */
export type ContactView = z.input<typeof contactSchema>;

/**
 * contacts.byId: one contact for its page, with its project and page by name. No webhook bodies: its
 * deliveries come from deliveries.list({ contactId }).
 */
export const contactDetailSchema = contactSchema.extend({
  projectName: z.string(),
  pageName: nullable,
  userAgent: nullable,
});
export type ContactDetailView = z.input<typeof contactDetailSchema>;

export const contactPageSchema = z.object({
  items: z.array(contactSchema),
  nextCursor: z.string().nullable(),
});

/** contacts.deleteByEmail: every contact of the account with this email (a "forget me" request). */
export const contactEmailSchema = z.strictObject({
  email: z.string().trim().min(1, "must not be empty").max(254).check(storableText),
});
export type ContactEmail = z.output<typeof contactEmailSchema>;

/** What an erasure did, in numbers (the same numbers its audit row keeps). */
export const erasureSchema = z.object({
  /** Contacts removed. */
  contacts: z.number(),
  /** Their deliveries still pending, now cancelled. */
  deliveriesCancelled: z.number(),
  /** Stored webhook bodies removed (attempts' status and timing stay, without personal data). */
  bodiesErased: z.number(),
  /** Attempt logs whose payload and response excerpt were removed. */
  logsScrubbed: z.number(),
  /** contact.deleted webhooks queued for the endpoints that subscribe to them. */
  notified: z.number(),
});
export type ErasureView = z.input<typeof erasureSchema>;

/** contacts.export: everything Genie holds about one contact, for an access request. */
export const contactExportSchema = z.object({
  contact: contactSchema.extend({ userAgent: nullable, idempotencyKey: nullable }),
  /** Every webhook about the contact, with its attempts. */
  deliveries: z.array(
    z.object({
      id: z.string(),
      eventId: z.string(),
      eventType: z.string(),
      status: z.string(),
      createdAt: timestampSchema,
      completedAt: timestampSchema.nullable(),
      /** The body as sent; null once removed by retention. */
      body: z.unknown(),
      attempts: z.array(
        z.object({
          createdAt: timestampSchema,
          attemptNumber: z.number(),
          success: z.boolean(),
          statusCode: z.number().nullable(),
          webhookUrl: z.string(),
        }),
      ),
    }),
  ),
});
export type ContactExportView = z.input<typeof contactExportSchema>;
