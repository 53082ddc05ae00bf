import { registrationSchema } from "@genie/schemas";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { captureAttribution } from "./attribution";
import { attributionFields } from "./submit";

const PROJECT = "5a1fa0a4-846d-478f-b080-882c4740440a";
const happyDOM = (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM;

/** A page view: the browser at `url`, arrived from `referrer`. */
function visit(url: string, referrer = "") {
  happyDOM.setURL(url);
  Object.defineProperty(document, "referrer", { value: referrer, configurable: true });
}

beforeEach(() => {
  localStorage.clear();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-12-01T10:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("captureAttribution", () => {
  test("a UTM visit, then a page view without UTM: both touches stay the UTM visit", () => {
    visit(
      "https://funnel.example.com/?utm_source=google&utm_medium=cpc&gclid=abc",
      "https://www.google.com/",
    );
    const first = captureAttribution();
    vi.setSystemTime(new Date("2026-12-01T10:05:00Z"));
    visit("https://funnel.example.com/register", "https://funnel.example.com/?utm_source=google");
    const second = captureAttribution();
    expect(second.visitorId).toBe(first.visitorId);
    expect(second.firstTouch).toEqual({
      utm: { source: "google", medium: "cpc" },
      clickIds: { gclid: "abc" },
      landingPage: "https://funnel.example.com/?utm_source=google&utm_medium=cpc&gclid=abc",
      referrer: "https://www.google.com/",
      at: "2026-12-01T10:00:00.000Z",
    });
    expect(second.lastTouch).toEqual(second.firstTouch);
    expect(second.pageUrl).toBe("https://funnel.example.com/register");
    expect(attributionFields(second)).toEqual({
      visitorId: first.visitorId,
      pageUrl: "https://funnel.example.com/register",
      utm: { source: "google", medium: "cpc" },
      landingPage: "https://funnel.example.com/?utm_source=google&utm_medium=cpc&gclid=abc",
      referrer: "https://www.google.com/",
      firstTouch: {
        utm: { source: "google", medium: "cpc" },
        landingPage: "https://funnel.example.com/?utm_source=google&utm_medium=cpc&gclid=abc",
        referrer: "https://www.google.com/",
        at: "2026-12-01T10:00:00.000Z",
      },
      fields: { gclid: "abc" },
    });
  });

  test("a later campaign visit becomes the last touch; the first touch stays", () => {
    visit("https://funnel.example.com/?utm_source=newsletter", "https://mail.example.com/");
    captureAttribution();
    vi.setSystemTime(new Date("2026-12-10T08:00:00Z"));
    visit("https://funnel.example.com/offer?utm_source=facebook&fbclid=xyz", "https://facebook.com/");
    const later = captureAttribution();
    expect(later.firstTouch.utm).toEqual({ source: "newsletter" });
    expect(later.lastTouch).toMatchObject({
      utm: { source: "facebook" },
      clickIds: { fbclid: "xyz" },
      at: "2026-12-10T08:00:00.000Z",
    });
    // A direct visit (no referrer, no campaign) changes neither.
    visit("https://funnel.example.com/");
    expect(captureAttribution().lastTouch.utm).toEqual({ source: "facebook" });
  });

  test("a first touch older than the lifetime is replaced by this visit", () => {
    visit("https://funnel.example.com/?utm_source=old");
    captureAttribution({ lifetimeDays: 30 });
    vi.setSystemTime(new Date("2026-12-30T09:59:59Z"));
    visit("https://funnel.example.com/");
    expect(captureAttribution({ lifetimeDays: 30 }).firstTouch.utm).toEqual({ source: "old" });
    vi.setSystemTime(new Date("2026-12-31T10:00:01Z"));
    const expired = captureAttribution({ lifetimeDays: 30 });
    expect(expired.firstTouch.utm).toBeUndefined();
    expect(expired.firstTouch.at).toBe("2026-12-31T10:00:01.000Z");
    expect(expired.lastTouch).toEqual(expired.firstTouch);
  });

  test("the default lifetime is 90 days", () => {
    visit("https://funnel.example.com/?utm_source=old");
    captureAttribution();
    vi.setSystemTime(new Date("2027-02-28T09:00:00Z"));
    visit("https://funnel.example.com/");
    expect(captureAttribution().firstTouch.utm).toEqual({ source: "old" });
    vi.setSystemTime(new Date("2027-03-02T11:00:00Z"));
    expect(captureAttribution().firstTouch.utm).toBeUndefined();
  });

  test("with storage blocked (it throws), this page view is the attribution and nothing fails", () => {
    vi.spyOn(window, "localStorage", "get").mockImplementation(() => {
      throw new DOMException("The operation is insecure.", "SecurityError");
    });
    visit("https://funnel.example.com/?utm_campaign=spring", "https://news.example.com/");
    const attribution = captureAttribution();
    expect(attribution.visitorId).toMatch(/^[0-9a-f]{32}$/);
    expect(attribution.firstTouch.utm).toEqual({ campaign: "spring" });
    // Nothing could be kept: the next page view is a new visitor.
    expect(captureAttribution().visitorId).not.toBe(attribution.visitorId);
    expect(
      registrationSchema.safeParse({ ...attributionFields(attribution), projectId: PROJECT, email: "a@b.co" })
        .success,
    ).toBe(true);
  });

  test("with storage that refuses writes (full, Safari private mode), the visit still counts", () => {
    const storage = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("Quota exceeded", "QuotaExceededError");
      },
    };
    visit("https://funnel.example.com/?utm_source=x");
    expect(captureAttribution({ storage }).lastTouch.utm).toEqual({ source: "x" });
    expect(captureAttribution({ storage: null }).visitorId).toMatch(/^[0-9a-f]{32}$/);
  });

  test("values are cut to what the intake accepts: long UTM values cut, long or non-http URLs dropped", () => {
    const long = "x".repeat(3000);
    visit(
      `https://funnel.example.com/?utm_source=${long}&utm_medium=%00%01cpc%1F&gclid=${long}&pad=${long}`,
      `ftp://files.example.com/`,
    );
    const attribution = captureAttribution();
    expect(attribution.firstTouch.utm).toEqual({ source: "x".repeat(500), medium: "cpc" });
    expect(attribution.firstTouch.clickIds).toEqual({ gclid: "x".repeat(2000) });
    expect(attribution.firstTouch.landingPage).toBeUndefined();
    expect(attribution.pageUrl).toBeUndefined();
    expect(attribution.firstTouch.referrer).toBeUndefined();
  });

  test("stored attribution the visitor edited is cleaned or ignored, never sent as it is", () => {
    localStorage.setItem(
      "genie-attribution",
      JSON.stringify({
        v: "v".repeat(500),
        f: {
          utm: { source: "a\u0000b", evil: "x" },
          landingPage: "javascript:alert(1)",
          at: "2026-11-30T00:00:00Z",
          extra: 1,
        },
        l: { at: "not a date", utm: { source: "ignored" } },
      }),
    );
    visit("https://funnel.example.com/");
    const attribution = captureAttribution();
    expect(attribution.visitorId).toBe("v".repeat(128));
    expect(attribution.firstTouch).toEqual({ utm: { source: "ab" }, at: "2026-11-30T00:00:00.000Z" });
    expect(attribution.lastTouch).toEqual(attribution.firstTouch);
    localStorage.setItem("genie-attribution", "{not json");
    expect(captureAttribution().firstTouch.at).toBe("2026-12-01T10:00:00.000Z");
  });

  test("whatever the URL and referrer hold, the registration they make is one the intake accepts", () => {
    const value = fc.string({ unit: "binary", maxLength: 3000 });
    fc.assert(
      fc.property(value, value, value, value, (source, gclid, path, referrer) => {
        localStorage.clear();
        const url = new URL("https://funnel.example.com/");
        url.pathname = path;
        url.searchParams.set("utm_source", source);
        url.searchParams.set("gclid", gclid);
        visit(url.href, referrer);
        const body = { ...attributionFields(captureAttribution()), projectId: PROJECT, email: "a@b.co" };
        const parsed = registrationSchema.safeParse(JSON.parse(JSON.stringify(body)));
        expect(parsed.error?.issues ?? []).toEqual([]);
      }),
      { numRuns: 200 },
    );
    // 200 page views in happy-dom: a second on a quiet machine, more when the tests share it.
  }, 60_000);
});
