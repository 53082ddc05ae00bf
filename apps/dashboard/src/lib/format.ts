const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "yesterday"; under a minute "just now". */
export function timeAgo(iso: string, now = Date.now()): string {
  const delta = new Date(iso).getTime() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) return relative.format(Math.round(delta / ms), unit);
  }
  return "just now";
}

/** "Nov 29, 2026, 10:04 AM" in the owner's own locale and time zone. */
export function dateTime(iso: string): string {
  return absolute.format(new Date(iso));
}

/** A wait of a retry schedule in words: "1 s", "5 min", "2 h". */
export function duration(ms: number): string {
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  return `${ms / 3_600_000} h`;
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

/** Singular or plural: plural(1, "delivery", "deliveries") → "1 delivery". */
export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** Only http(s) URLs become links: receivers and visitors control much of what is shown. */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** A measured time in words: "840 ms", "1.2 s", "3 min 5 s". */
export function elapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A countdown: "in 4 s", "in 2 min 10 s", "now". */
export function countdown(targetIso: string, now = Date.now()): string {
  const left = new Date(targetIso).getTime() - now;
  if (left <= 0) return "any moment now";
  if (left < 60_000) return `in ${Math.ceil(left / 1000)} s`;
  return `in ${elapsed(left)}`;
}
