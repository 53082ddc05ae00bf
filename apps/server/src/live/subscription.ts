import { randomBytes } from "node:crypto";
import { TRPCError, tracked } from "@trpc/server";
import type { Session } from "../auth";
import type { LiveFeed } from "./feed";

/**
 * How often an open stream checks that its session or API key still exists (revoked, expired,
 * signed out).
 */
export const SESSION_RECHECK_MS = 30_000;

export type LiveStreamOptions = {
  feed: LiveFeed;
  userId: string;
  /** The request's session (or its API key's account), asked again; null once it ended. */
  recheckSession: () => Promise<Session | null>;
  /** @default SESSION_RECHECK_MS */
  recheckMs?: number;
  /** The previous stream's last event id when the browser reconnects. */
  lastEventId?: string | null | undefined;
  signal?: AbortSignal | undefined;
};

/** The session or API key a stream was opened with has ended: the browser signs in again. */
function sessionEnded() {
  return new TRPCError({
    code: "UNAUTHORIZED",
    message:
      "The session or API key this stream was opened with has ended: sign in again, or use a valid key.",
  });
}

/**
 * The events of one dashboard tab: one `tracked` event each time the account's deliveries changed
 * (coalesced: a burst is one event). Events carry no data to trust: the page asks for its rows again.
 * A reconnect (with `lastEventId`) starts with an event, since changes may have happened meanwhile.
 * Ends at shutdown, when the tab goes, and (with UNAUTHORIZED) when the session ends.
 */
export async function* liveChanges(options: LiveStreamOptions) {
  const { feed, userId } = options;
  const stream = randomBytes(6).toString("base64url");
  let sequence = 0;
  let changed = options.lastEventId != null;
  let sessionOver = false;
  let wake: (() => void) | null = null;
  const rouse = () => {
    wake?.();
    wake = null;
  };
  const unsubscribe = feed.subscribe(userId, () => {
    changed = true;
    rouse();
  });
  const stop = AbortSignal.any([feed.closed, ...(options.signal ? [options.signal] : [])]);
  stop.addEventListener("abort", rouse);
  const recheck = setInterval(() => {
    options.recheckSession().then(
      (session) => {
        if (session?.userId === userId) return;
        sessionOver = true;
        rouse();
      },
      () => {}, // the database away for a moment: ask again next time
    );
  }, options.recheckMs ?? SESSION_RECHECK_MS);
  recheck.unref();
  try {
    while (!stop.aborted && !sessionOver) {
      if (changed) {
        changed = false;
        sequence += 1;
        yield tracked(`${stream}.${sequence}`, { at: new Date().toISOString() });
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (sessionOver) throw sessionEnded();
  } finally {
    clearInterval(recheck);
    stop.removeEventListener("abort", rouse);
    unsubscribe();
  }
}
