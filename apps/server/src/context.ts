import type { IncomingHttpHeaders } from "node:http";
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { Auth, Session } from "./auth";
import { type ApiKeyCredential, bearerOf, verifyApiKey } from "./auth/api-key";
import type { Database } from "./db";
import type { DeliveryWaker } from "./delivery/contract";
import { type AccountLimits, NO_ACCOUNT_LIMITS } from "./limits";
import type { LiveFeed } from "./live/feed";
import { DEFAULT_OUTBOUND, type Outbound } from "./settings/outbound";

export type ContextOptions = {
  db: Database;
  session: Session | null;
  /** The API key the request was made with; its account is then the session's. @default null */
  apiKey?: ApiKeyCredential | null;
  /** Whether a cookie request comes from the dashboard's own origin (mutations need it). @default true */
  sameOrigin?: boolean;
  /** The request's Idempotency-Key header, for create calls (services/idempotency.ts). @default null */
  idempotencyKey?: string | null;
  /** Absent in API-only processes: the pollers of worker processes pick redeliveries up. */
  worker?: DeliveryWaker;
  /** How test sends reach receivers and what the SSRF check allows. @default DEFAULT_OUTBOUND */
  outbound?: Outbound;
  /** Where this server is reached from a browser, for embed snippets. @default "http://127.0.0.1:3000" */
  publicUrl?: string;
  /** Per-account limits of expensive procedures (limits.ts). @default NO_ACCOUNT_LIMITS */
  limits?: AccountLimits;
  /** How long logs are kept (config GENIE_RETENTION_DAYS), for the logs page to say. @default 30 */
  retentionDays?: number;
  /** The live delivery log of this process; absent: no live updates. */
  live?: LiveFeed;
  /** How often an open live stream checks its session again. @default SESSION_RECHECK_MS */
  liveRecheckMs?: number;
  /**
   * The request's session, or its API key's account, asked again (revoked, expired?).
   * @default the session, unchanged
   */
  recheckSession?: () => Promise<Session | null>;
  /** How account mail leaves (`off`: PostgreSQL without SMTP; `files`: into the data folder). @default "off" */
  mailMode?: "smtp" | "files" | "off";
  /** better-auth's change-email for this request's session (the password is checked before). */
  changeEmail?: (newEmail: string) => Promise<void>;
};

/**
 * What every procedure sees. Built without any HTTP so tests can call procedures directly through
 * `createCaller(createContextInner(...))`.
 */
export function createContextInner(opts: ContextOptions) {
  return {
    db: opts.db,
    session: opts.apiKey ? { userId: opts.apiKey.userId } : opts.session,
    apiKey: opts.apiKey ?? null,
    sameOrigin: opts.sameOrigin ?? true,
    idempotencyKey: opts.idempotencyKey ?? null,
    worker: opts.worker,
    outbound: opts.outbound ?? DEFAULT_OUTBOUND,
    publicUrl: opts.publicUrl ?? "http://127.0.0.1:3000",
    limits: opts.limits ?? NO_ACCOUNT_LIMITS,
    retentionDays: opts.retentionDays ?? 30,
    live: opts.live && {
      feed: opts.live,
      recheckSession: opts.recheckSession ?? (async () => opts.session),
      recheckMs: opts.liveRecheckMs,
    },
    mailMode: opts.mailMode ?? "off",
    changeEmail: opts.changeEmail,
  };
}

export type Context = ReturnType<typeof createContextInner>;

/**
 * The Fastify adapter's context. A request with an Authorization header is judged by its API key
 * alone (its cookie is ignored, a bad key is no credential); any other by its session cookie, checked
 * in the database, and by where it comes from.
 */
export function createContextFactory(
  db: Database,
  options: Omit<ContextOptions, "db" | "session" | "publicUrl"> & {
    auth: Auth;
    publicUrl?: string;
    /** Origins besides the server's own whose cookie mutations are accepted (the auth setting). */
    trustedOrigins?: string[];
  },
) {
  const { auth, trustedOrigins = [], ...rest } = options;
  return async ({ req }: CreateFastifyContextOptions): Promise<Context> => {
    const ownOrigin = rest.publicUrl ?? `${req.protocol}://${req.host}`;
    const idempotencyKey = req.headers["idempotency-key"];
    const common = {
      db,
      ...rest,
      publicUrl: ownOrigin,
      idempotencyKey: typeof idempotencyKey === "string" ? idempotencyKey : null,
    };
    const { authorization } = req.headers;
    if (authorization !== undefined) {
      const bearer = bearerOf(authorization);
      const apiKey = bearer ? await verifyApiKey(db, bearer) : null;
      return createContextInner({
        ...common,
        session: null,
        apiKey,
        // A live stream opened with a key lasts while the key does (revoked: the stream ends).
        recheckSession: async () => {
          const key = bearer ? await verifyApiKey(db, bearer) : null;
          return key && { userId: key.userId };
        },
      });
    }
    return createContextInner({
      ...common,
      session: await auth.sessionOf(req.headers),
      recheckSession: () => auth.sessionOf(req.headers),
      mailMode: auth.mailMode,
      changeEmail: (newEmail) => auth.changeEmail(req.headers, newEmail, ownOrigin),
      sameOrigin: isFromOrigins(req.headers, [ownOrigin, ...trustedOrigins]),
    });
  };
}

/**
 * Whether a browser sent the request from one of `origins`: by its Origin header, or, where a
 * same-origin request carries none, by Sec-Fetch-Site. A request with neither is not trusted.
 */
function isFromOrigins(headers: IncomingHttpHeaders, origins: string[]): boolean {
  const { origin } = headers;
  if (origin !== undefined) return origins.includes(origin);
  return headers["sec-fetch-site"] === "same-origin";
}
