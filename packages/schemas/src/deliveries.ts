// Deliveries (one per event and endpoint) and the log of their attempts, as the dashboard reads them.
import { z } from "zod";
import { dateInputSchema, storableText, timestampSchema } from "./common";

export const LOG_PAGE_MAX = 100;

/** logs.list: newest first, one page at a time; `cursor` is the previous page's `nextCursor`. */
export const logListInputSchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(LOG_PAGE_MAX).default(25),
  /** Whether the attempt succeeded (2xx) or failed. */
  status: z.enum(["succeeded", "failed"]).optional(),
  eventType: z.string().min(1).max(100).check(storableText).optional(),
  endpointId: z.uuid().optional(),
  /** Attempts at or after this time. */
  from: dateInputSchema.optional(),
  /** Attempts before this time. */
  to: dateInputSchema.optional(),
  /** Attempts of webhooks about the contact with this exact email. */
  contactEmail: z.string().trim().min(1).max(254).check(storableText).optional(),
});
export type LogListInput = z.input<typeof logListInputSchema>;
/** The list's filters once validated (dates parsed, defaults filled). */
export type LogList = z.output<typeof logListInputSchema>;

/** One attempt, as the log list shows it. */
export const logSummarySchema = z.object({
  id: z.string(),
  createdAt: timestampSchema,
  deliveryId: z.string().nullable(),
  endpointId: z.string().nullable(),
  eventType: z.string(),
  webhookUrl: z.string(),
  success: z.boolean(),
  statusCode: z.number().nullable(),
  errorKind: z.string().nullable(),
  errorMessage: z.string().nullable(),
  attemptNumber: z.number(),
  durationMs: z.number().nullable(),
});
export type LogSummaryView = z.input<typeof logSummarySchema>;

export const logPageSchema = z.object({
  items: z.array(logSummarySchema),
  /** Pass it back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
  /** Attempts are kept this many days (GENIE_RETENTION_DAYS); older ones are gone. */
  keptDays: z.number(),
});

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed", "cancelled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** logs.byId: one attempt in full, with its delivery and every attempt of that delivery. */
export const logDetailSchema = z.object({
  log: logSummarySchema.extend({
    deliveredAt: timestampSchema.nullable(),
    /** The webhook body that was sent. */
    payload: z.unknown(),
    /** The headers that were sent, signatures included; custom header values masked. */
    requestHeaders: z.record(z.string(), z.string()).nullable(),
    /** The start of the receiver's answer. */
    responseExcerpt: z.string().nullable(),
  }),
  /** Null for test sends, which belong to no delivery. */
  delivery: z
    .object({
      id: z.string(),
      eventId: z.string(),
      status: z.enum(DELIVERY_STATUSES),
      attemptCount: z.number(),
      nextAttemptAt: timestampSchema,
      completedAt: timestampSchema.nullable(),
      contactId: z.string().nullable(),
    })
    .nullable(),
  /** Every attempt of the delivery, first to last (only this one for a test send). */
  timeline: z.array(logSummarySchema),
});
export type LogDetailView = z.input<typeof logDetailSchema>;

/** deliveries.redeliverFailed: every failed delivery created in [from, to), optionally of one endpoint. */
export const redeliverFailedSchema = z
  .strictObject({ from: dateInputSchema, to: dateInputSchema, endpointId: z.uuid().optional() })
  .refine((range) => range.from < range.to, { message: "from must be before to", path: ["to"] });
export type RedeliverFailed = z.output<typeof redeliverFailedSchema>;

/** At most this many deliveries are queued again per call; `more` says to call again. */
export const REDELIVER_BATCH = 10_000;

export const deliveryStateSchema = z.object({ id: z.string(), status: z.enum(DELIVERY_STATUSES) });
export const redeliveredSchema = z.object({ count: z.number(), more: z.boolean() });
