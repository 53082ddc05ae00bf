import { MAX_URL_LENGTH } from "@genie/schemas/limits";

// Controls the intake's text rule refuses (tab, CR and LF are allowed): matching them is the point.
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above
const CONTROLS = /[\0-\x08\v\f\x0e-\x1f]/g;

/**
 * Text the page found (a UTM value, a referrer) as the intake accepts it: controls and broken
 * characters removed, trimmed, cut to `max` characters; undefined when nothing is left. Values from
 * ad URLs are never a reason to refuse a registration.
 */
export function clean(value: unknown, max: number): string | undefined {
  if (value == null) return undefined;
  // Cut first; a character cut in half (a lone surrogate, which PostgreSQL refuses) becomes U+FFFD.
  const text = String(value).slice(0, max) as string & { toWellFormed?: () => string };
  return (text.toWellFormed?.() ?? text).replace(CONTROLS, "").trim() || undefined;
}

/** An http(s) URL of at most 2,048 characters, else undefined (a longer one is dropped, not cut). */
export function cleanUrl(value: unknown): string | undefined {
  const text = clean(value, MAX_URL_LENGTH + 1);
  return text && text.length <= MAX_URL_LENGTH && /^https?:\/\/[^/]/i.test(text) ? text : undefined;
}

/** 128 random bits in hex: visitor ids and Idempotency-Keys (no crypto.randomUUID: http pages lack it). */
export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b | 256).toString(16).slice(1)).join(
    "",
  );
}
