import { DELIVERY_STATES, type DeliveryState, STATUS_CLASSES, type StatusClass } from "@genie/schemas";

/** The log's date presets: how far back it looks. */
export const RANGES = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type Range = keyof typeof RANGES;

/** The delivery log's filters, all in the URL so a filtered view is a link to share. */
export type LogSearch = {
  /** "tests": the test sends, shown apart from deliveries. */
  tab?: "tests";
  state?: DeliveryState;
  status?: StatusClass;
  endpoint?: string;
  event?: string;
  range?: Range;
  /** A contact's email or an event id. */
  q?: string;
};

const oneOf = <T extends string>(values: readonly T[], value: unknown): T | undefined =>
  values.includes(value as T) ? (value as T) : undefined;
const text = (value: unknown, max = 254): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, max) : undefined;

/** Checked by hand (no zod on the first visit): unknown values are dropped, not refused. */
export function logSearch(search: Record<string, unknown>): LogSearch {
  const result: LogSearch = {
    tab: search.tab === "tests" ? "tests" : undefined,
    state: oneOf(DELIVERY_STATES, search.state),
    status: oneOf(STATUS_CLASSES, search.status),
    endpoint: text(search.endpoint, 36),
    event: text(search.event, 100),
    range: oneOf(Object.keys(RANGES) as Range[], search.range),
    q: text(search.q),
  };
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== undefined));
}
