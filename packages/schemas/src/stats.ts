import { z } from "zod";
import { dateInputSchema, timestampSchema } from "./common";
import { DELIVERY_STATUSES } from "./delivery-options";

const HOUR = 3_600_000;
/** At most this many buckets per chart: 31 days of hours, about a year of days. */
const MAX_SPAN_MS = { hour: 31 * 24 * HOUR, day: 366 * 24 * HOUR } as const;

function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** stats.overview: attempts in [from, to), bucketed by hour or day in the viewer's time zone. */
export const statsInputSchema = z
  .strictObject({
    from: dateInputSchema,
    to: dateInputSchema,
    bucket: z.enum(["hour", "day"]).default("hour"),
    /** The viewer's IANA time zone: days start at its midnight. @default "UTC" */
    timeZone: z
      .string()
      .max(64)
      .regex(
        /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/,
        "must be an IANA time zone such as Europe/Berlin",
      )
      .refine(isKnownTimeZone, "must be an IANA time zone such as Europe/Berlin")
      .default("UTC"),
    endpointId: z.uuid().optional(),
  })
  .refine((s) => s.from < s.to, { message: "from must be before to", path: ["to"] })
  .refine((s) => s.to.getTime() - s.from.getTime() <= MAX_SPAN_MS[s.bucket], {
    message: "at most 31 days by hour or 366 days by day",
    path: ["from"],
  });
export type StatsInput = z.input<typeof statsInputSchema>;
export type StatsQuery = z.output<typeof statsInputSchema>;

const latency = { p50Ms: z.number().nullable(), p95Ms: z.number().nullable(), p99Ms: z.number().nullable() };

export const statsSchema = z.object({
  /** Delivery attempts in the range (test sends left out), their success rate (0–1, null without attempts). */
  totals: z.object({
    attempts: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    successRate: z.number().nullable(),
    ...latency,
  }),
  /** Deliveries created in the range, by their current status. */
  deliveries: z.object(
    Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, z.number()])) as Record<
      (typeof DELIVERY_STATUSES)[number],
      z.ZodNumber
    >,
  ),
  /** Deliveries waiting to be sent right now, whenever they were created. */
  pendingNow: z.number(),
  /** One point per bucket, empty buckets included, oldest first. */
  series: z.array(
    z.object({
      at: timestampSchema,
      attempts: z.number(),
      succeeded: z.number(),
      failed: z.number(),
      ...latency,
    }),
  ),
});
export type StatsView = z.input<typeof statsSchema>;
