// Deliveries (one per event and endpoint) and the log of their attempts, as the dashboard reads them.
import { z } from "zod";
import { dateInputSchema, pageDirectionSchema, storableText, timestampSchema } from "./common";
import { DELIVERY_STATES, DELIVERY_STATUSES, STATUS_CLASSES } from "./delivery-options";

export const LOG_PAGE_MAX = 100;

/** logs.list: newest first, one page at a time; `cursor` is the previous page's `nextCursor`. */
export const logListInputSchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  direction: pageDirectionSchema,
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

/** deliveries.list: one row per webhook, newest first, by keyset (`cursor` is the last `nextCursor`). */
export const deliveryListInputSchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  direction: pageDirectionSchema,
  limit: z.number().int().min(1).max(LOG_PAGE_MAX).default(25),
  state: z.enum(DELIVERY_STATES).optional(),
  eventType: z.string().min(1).max(100).check(storableText).optional(),
  endpointId: z.uuid().optional(),
  contactId: z.uuid().optional(),
  /** Deliveries created at or after this time. */
  from: dateInputSchema.optional(),
  /** Deliveries created before this time. */
  to: dateInputSchema.optional(),
  /** The class of the last answer. */
  statusClass: z.enum(STATUS_CLASSES).optional(),
  /** A contact's exact email (any case), or an event id (the `webhook-id` a receiver logged). */
  search: z.string().trim().min(1).max(254).check(storableText).optional(),
});
export type DeliveryListInput = z.input<typeof deliveryListInputSchema>;
export type DeliveryList = z.output<typeof deliveryListInputSchema>;

/** One delivery as the log lists it: its state, the contact and the endpoint by name. */
export const deliverySummarySchema = z.object({
  id: z.string(),
  createdAt: timestampSchema,
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  state: z.enum(DELIVERY_STATES),
  attemptCount: z.number(),
  /** Attempts the endpoint's retry schedule allows. */
  maxAttempts: z.number(),
  /** When the next attempt happens; null unless pending. */
  nextAttemptAt: timestampSchema.nullable(),
  completedAt: timestampSchema.nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  /** How long the last attempt took. */
  lastDurationMs: z.number().nullable(),
  contactId: z.string().nullable(),
  /** Null once the contact is erased. */
  contactEmail: z.string().nullable(),
  endpointId: z.string(),
  endpointName: z.string(),
  endpointUrl: z.string(),
});
export type DeliverySummaryView = z.input<typeof deliverySummarySchema>;

export const deliveryPageSchema = z.object({
  items: z.array(deliverySummarySchema),
  nextCursor: z.string().nullable(),
  /** Attempts are kept this many days (GENIE_RETENTION_DAYS). */
  keptDays: z.number(),
});

/** One attempt of a delivery, in full. */
export const deliveryAttemptSchema = logSummarySchema.extend({
  deliveredAt: timestampSchema.nullable(),
  /** Failed attempts keep the headers sent (custom values masked); successful ones do not. */
  requestHeaders: z.record(z.string(), z.string()).nullable(),
  responseExcerpt: z.string().nullable(),
});

/** deliveries.byId: a delivery with its contact, endpoint, body, the headers Genie sends and every attempt. */
export const deliveryDetailSchema = z.object({
  delivery: deliverySummarySchema,
  /**
   * The body as sent (parsed JSON; a finished delivery's is rebuilt from its contact); null once
   * there is none (its contact erased, or removed by retention).
   */
  payload: z.unknown(),
  /** The shape the body was built in: the endpoint's when the delivery was made. */
  payloadFormat: z.enum(["nested", "flat"]),
  contact: z.object({ id: z.string(), name: z.string().nullable(), email: z.string() }).nullable(),
  endpoint: z.object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    retryPreset: z.string(),
    payloadFormat: z.string(),
    enabled: z.boolean(),
  }),
  /**
   * The headers every attempt carries, as Genie sends them: values Genie computes per attempt are
   * described, custom header values are masked.
   */
  headers: z.array(z.object({ name: z.string(), value: z.string() })),
  /** The waits between attempts of the endpoint's schedule, in ms. */
  retryWaitsMs: z.array(z.number()),
  /** Every attempt, first to last. */
  attempts: z.array(deliveryAttemptSchema),
});
export type DeliveryDetailView = z.input<typeof deliveryDetailSchema>;
