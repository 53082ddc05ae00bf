import type { FastifyInstance, FastifyServerOptions } from "fastify";
import helmet, { type HelmetOptions } from "helmet";
import { type HttpSettings, loadConfig } from "../config";
import { AppError } from "../errors";

/** What a server gets when no settings are passed (tests): the configuration's defaults. */
export const DEFAULT_HTTP_SETTINGS: HttpSettings = loadConfig({}, []).http;

/** A socket with no traffic at all for this long is closed, whatever it was doing. */
const MIN_IDLE_SOCKET_MS = 120_000;

/**
 * Fastify's options for meeting the internet: which proxies to believe, and how long a client may
 * take. Node checks the request and header timeouts on a timer (every 30 s by default, so a slow
 * client would get up to 30 s more); here it runs four times per shortest timeout, at most every 2.5 s.
 */
export function serverOptionsOf(settings: HttpSettings) {
  const { trustProxy, requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } = settings;
  const checkEveryMs = Math.max(
    50,
    Math.min(2500, Math.floor(Math.min(requestTimeoutMs, headersTimeoutMs) / 4)),
  );
  return {
    // A hop count as a function: Fastify takes numbers, its types do not say so.
    trustProxy:
      typeof trustProxy === "number" ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    bodyLimit: settings.bodyLimitBytes,
    // tRPC's batch link joins procedure names into the path: Fastify's default 100 characters would 404.
    routerOptions: { maxParamLength: 5000 },
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    connectionTimeout: Math.max(MIN_IDLE_SOCKET_MS, keepAliveTimeoutMs + 5000),
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval: checkEveryMs,
    },
  } satisfies FastifyServerOptions & { http: object };
}

/**
 * Routes any web page may use: the registration intake (posted to by funnel pages on other sites)
 * and the form SDK's files under /sdk/ (loaded by `<script>` from those pages). They get
 * `Cross-Origin-Resource-Policy: cross-origin`; everything else is same-origin.
 */
export function isCrossOriginRoute(url: string): boolean {
  return url === "/api/contacts" || url.startsWith("/sdk/");
}

/**
 * Security headers on every response (helmet): the strict policy the dashboard's HTML needs by
 * default, so any page the server serves (static files, the SPA fallback, error pages) has it, and a
 * cross-origin resource policy on the public routes. Register before any route.
 *
 * Each policy's middleware is built once, here. @fastify/helmet built one per request (parsing the
 * CSP directives every time): about 3 % of the intake's CPU per registration.
 */
export async function securityHeaders(app: FastifyInstance, options: { publicUrl: string | null }) {
  const https = options.publicUrl?.startsWith("https:") ?? false;
  const policy: HelmetOptions = {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        "default-src": ["'self'"],
        "base-uri": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "script-src": ["'self'"],
        "script-src-attr": ["'none'"],
        "style-src": ["'self'"],
        // Over plain http (local use, no GENIE_PUBLIC_URL) this would send the page's own scripts to https.
        ...(https && { "upgrade-insecure-requests": [] }),
      },
    },
    // Not "no-referrer": under it a browser sends `Origin: null` with the dashboard's own POSTs,
    // and sign-in refuses those. "same-origin" still tells other sites nothing.
    referrerPolicy: { policy: "same-origin" },
    xFrameOptions: { action: "deny" },
    // Only when Genie is known to be reached over https; never for the operator's other subdomains.
    strictTransportSecurity: https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
  };
  const sameOrigin = helmet(policy);
  const crossOrigin = helmet({ ...policy, crossOriginResourcePolicy: { policy: "cross-origin" } });
  app.addHook("onRequest", (request, reply, done) => {
    const headers = isCrossOriginRoute(request.routeOptions.url ?? "") ? crossOrigin : sameOrigin;
    headers(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}

/**
 * A host as RFC 9110 allows in `Host` (and `X-Forwarded-Host` from a trusted proxy): a registered name
 * of unreserved and sub-delimiter characters (percent-escapes included), an IPv4 address, or an IPv6
 * literal in brackets, and an optional port. Quotes, spaces, slashes and non-ASCII are not hosts.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)(?::(\d{1,5}))?$/;

/** Whether a request's host (absent on HTTP/1.0, which is allowed) can be part of a URL. */
export function isValidHost(host: string | undefined): boolean {
  if (host === undefined || host === "") return true;
  const match = HOST.exec(host);
  if (!match || Number(match[1] ?? 0) > 65535) return false;
  try {
    new URL(`http://${host}/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses a request whose host is malformed with 400 before any route runs: sign-in, tRPC and the
 * embed snippets build URLs from it, and a host like `a"b` would otherwise fail deep inside them (500).
 */
export function refuseMalformedHost(app: FastifyInstance) {
  app.addHook("onRequest", async (request, reply) => {
    if (isValidHost(request.host)) return;
    const refusal = new AppError("BAD_REQUEST", {
      reason: "invalid_host",
      userMessage: "The Host header is not a valid host name: send the address this server is reached at.",
    });
    return reply.code(refusal.statusCode).send(refusal.toApiError());
  });
}
