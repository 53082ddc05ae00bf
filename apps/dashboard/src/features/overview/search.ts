/** The overview's range: a preset, or a custom one (two dates, YYYY-MM-DD, in the viewer's zone). */
export type OverviewSearch = { range?: "24h" | "7d" | "30d" | "custom"; from?: string; to?: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function overviewSearch(search: Record<string, unknown>): OverviewSearch {
  const range = ["24h", "7d", "30d", "custom"].includes(search.range as string)
    ? (search.range as OverviewSearch["range"])
    : undefined;
  const result: OverviewSearch = {};
  if (range) result.range = range;
  if (typeof search.from === "string" && DAY.test(search.from)) result.from = search.from;
  if (typeof search.to === "string" && DAY.test(search.to)) result.to = search.to;
  return result;
}
