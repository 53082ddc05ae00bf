import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { Auth, Session } from "./auth";
import type { Database } from "./db";
import type { DeliveryWaker } from "./delivery/contract";
import { type AccountLimits, NO_ACCOUNT_LIMITS } from "./limits";
import type { LiveFeed } from "./live/feed";
import { DEFAULT_OUTBOUND, type Outbound } from "./settings/outbound";

export type ContextOptions = {
  db: Database;
  session: Session | null;
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
  /** The request's session asked again (revoked, expired?). @default the session, unchanged */
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
    session: opts.session,
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

/** The Fastify adapter's context: the session comes from the request's cookie, checked in the database. */
export function createContextFactory(
  db: Database,
  options: Omit<ContextOptions, "db" | "session" | "publicUrl"> & { auth: Auth; publicUrl?: string },
) {
  const { auth, ...rest } = options;
  return async ({ req }: CreateFastifyContextOptions): Promise<Context> =>
    createContextInner({
      db,
      ...rest,
      session: await auth.sessionOf(req.headers),
      recheckSession: () => auth.sessionOf(req.headers),
      publicUrl: rest.publicUrl ?? `${req.protocol}://${req.host}`,
      mailMode: auth.mailMode,
      changeEmail: (newEmail) =>
        auth.changeEmail(req.headers, newEmail, rest.publicUrl ?? `${req.protocol}://${req.host}`),
    });
}
