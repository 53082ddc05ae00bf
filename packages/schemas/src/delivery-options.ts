// The delivery log's choices as plain data with no zod, so the dashboard's first visit can take them
// without the schema library (see apps/dashboard/scripts/bundle-budget.mjs).

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed", "cancelled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * What the log shows of a delivery's state: `retrying` is a pending delivery that has already failed
 * at least once and waits for its next attempt.
 */
export const DELIVERY_STATES = ["pending", "retrying", "succeeded", "failed", "cancelled"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** The class of a delivery's last answer: `network` is no answer at all (DNS, connect, timeout…). */
export const STATUS_CLASSES = ["2xx", "4xx", "5xx", "network"] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
