import {
  MAX_FIELD_VALUE_LENGTH,
  MAX_TEXT_LENGTH,
  MAX_URL_LENGTH,
  MAX_VISITOR_ID_LENGTH,
} from "@genie/schemas/limits";
import { clean, cleanUrl, randomId } from "./text";

/** UTM parameters of a visit (`utm_source` … `utm_content`); absent keys were not in the URL. */
export type Utm = { source?: string; medium?: string; campaign?: string; term?: string; content?: string };

/** One visit that brought the visitor: its campaign, where it landed, where it came from, when. */
export type Touch = {
  utm?: Utm;
  /** Ad click ids of the visit: `gclid`, `fbclid`, `msclkid`. */
  clickIds?: Record<string, string>;
  landingPage?: string;
  referrer?: string;
  /** ISO-8601. */
  at: string;
};

/** What the page knows about how the visitor came: sent with the registration. */
export type Attribution = {
  /** Random, kept in the browser: the same visitor across page views and visits. */
  visitorId: string;
  /** The first visit within the lifetime. */
  firstTouch: Touch;
  /** The latest visit that came from a campaign, an ad click or another site (else the first). */
  lastTouch: Touch;
  /** The page the registration is sent from. */
  pageUrl: string | undefined;
};

export type AttributionOptions = {
  /** How long a first touch (and a last touch) counts, in days. @default 90 */
  lifetimeDays?: number;
  /** Where attribution is kept between page views; null keeps nothing. @default localStorage */
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
};

const STORAGE_KEY = "genie-attribution";
const UTM_KEYS = ["source", "medium", "campaign", "term", "content"] as const;
/** Ad click ids, sent as custom fields of the same name. */
export const CLICK_IDS = ["gclid", "fbclid", "msclkid"] as const;
const DAY_MS = 86_400_000;

type Stored = { v?: unknown; f?: unknown; l?: unknown };

/**
 * Reads this page view into the visitor's attribution and answers it: the first touch (kept for
 * `lifetimeDays`), the last touch (replaced by any visit with UTM parameters, a click id or an outside
 * referrer), a random visitor id, and the page URL. Values are cleaned and cut to what the intake
 * accepts. When storage is blocked (Safari private mode, a sandboxed iframe) this page view is both
 * touches and the visitor id is new: the registration still goes through.
 *
 * @example
 * const { firstTouch, lastTouch, visitorId } = captureAttribution({ lifetimeDays: 30 });
 */
export function captureAttribution(options: AttributionOptions = {}): Attribution {
  const now = new Date();
  const href = location.href;
  const params = new URL(href).searchParams;
  const referrer = cleanUrl(document.referrer);
  const storage = options.storage === undefined ? localStorageOrNull() : options.storage;
  const fromOutside = !!referrer && new URL(referrer).host !== location.host;
  const touch = touchOf({
    utm: Object.fromEntries(UTM_KEYS.map((key) => [key, params.get(`utm_${key}`)])),
    clickIds: Object.fromEntries(CLICK_IDS.map((key) => [key, params.get(key)])),
    landingPage: href,
    referrer: fromOutside ? referrer : undefined,
    at: now.toISOString(),
  }) as Touch;
  const stored = read(storage);
  const live = (value: unknown) => {
    const t = touchOf(value);
    return t && now.getTime() - Date.parse(t.at) < (options.lifetimeDays ?? 90) * DAY_MS ? t : undefined;
  };
  const firstTouch = live(stored.f) ?? touch;
  const lastTouch = touch.utm || touch.clickIds || fromOutside ? touch : (live(stored.l) ?? firstTouch);
  const visitorId = clean(stored.v, MAX_VISITOR_ID_LENGTH) ?? randomId();
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify({ v: visitorId, f: firstTouch, l: lastTouch }));
  } catch {
    // Full or blocked: this page view still has its attribution.
  }
  return { visitorId, firstTouch, lastTouch, pageUrl: cleanUrl(href) };
}

/**
 * A touch as the intake accepts it, from the URL or from storage (which the visitor may have
 * edited): known keys only, cleaned and cut; undefined without a valid time.
 */
function touchOf(value: unknown): Touch | undefined {
  const t = (value ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const at = Date.parse(String(t.at));
  if (Number.isNaN(at)) return undefined;
  return {
    utm: pick(t.utm, UTM_KEYS, MAX_TEXT_LENGTH),
    clickIds: pick(t.clickIds, CLICK_IDS, MAX_FIELD_VALUE_LENGTH),
    landingPage: cleanUrl(t.landingPage),
    referrer: clean(t.referrer, MAX_URL_LENGTH),
    at: new Date(at).toISOString(),
  };
}

/** The named keys of `source` that hold text, cleaned; undefined when none does. */
function pick(source: Record<string, unknown> | undefined, keys: readonly string[], max: number) {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = clean(source?.[key], max);
    if (value) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function read(storage: AttributionOptions["storage"]): Stored {
  try {
    return JSON.parse(storage?.getItem(STORAGE_KEY) ?? "{}") ?? {};
  } catch {
    return {};
  }
}

/** `localStorage` throws on access in sandboxed iframes and with cookies blocked. */
function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
