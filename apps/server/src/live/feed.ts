import type pg from "pg";
import type { Database, SqlRunner } from "../db";

/**
 * The live delivery log: "something changed in account X" (a delivery written at intake, attempts
 * recorded), from whichever process wrote it to every open dashboard tab of that account.
 *
 * On PostgreSQL processes talk through LISTEN/NOTIFY on one connection of their own. The delivery
 * path pays only when someone listens: a process serving a tab announces its account's presence
 * (`genie_live_presence`, again every PRESENCE_EVERY_MS), every process remembers who is present,
 * and a batch of changes sends at most one `genie_live` NOTIFY, none when nobody affected listens.
 * The embedded database is one process: the feed is an in-process fan-out and costs no SQL at all.
 */
export type LiveFeed = {
  /** Calls `onChange` (coalesced) whenever the account's deliveries change; returns the unsubscribe. */
  subscribe(userId: string, onChange: () => void): () => void;
  /** A batch of changes, from the delivery path: never throws, never waits. */
  changed(userIds: Iterable<string>): void;
  /** Every subscription ends at once (shutdown must not wait for open tabs). */
  close(): Promise<void>;
  /** Subscriptions ending at shutdown are told through this signal. */
  readonly closed: AbortSignal;
};

const CHANGES_CHANNEL = "genie_live";
const PRESENCE_CHANNEL = "genie_live_presence";
/** How often a process repeats that its tabs' accounts are listening. */
const PRESENCE_EVERY_MS = 30_000;
/** A presence not repeated for this long is over (its process went away). */
const PRESENCE_TTL_MS = 75_000;
/** PostgreSQL's NOTIFY payload limit is 8000 bytes: past this, a batch tells everyone to look again. */
const MAX_PAYLOAD = 7_900;
const EVERYONE = "*";

// The delivery path reaches the feed of its database through its SqlRunner (the intake's `sql`, the
// worker's `workerSql`): one registry instead of threading a new option through the worker and the
// intake.
const feeds = new WeakMap<SqlRunner, LiveFeed>();

/**
 * Tells the live log that these accounts' deliveries changed. The delivery code calls it once per
 * batch of recorded attempts and once per batch of registrations stored; a no-op in a process that
 * runs no live feed on this database.
 */
export function announceChanges(sql: SqlRunner, userIds: Iterable<string>): void {
  feeds.get(sql)?.changed(userIds);
}

/** Starts the live feed of this process on `db`; `close()` it on shutdown. */
export function startLiveFeed(
  db: Pick<Database, "sql" | "workerSql" | "mode" | "connect">,
  options: { onError?: (error: unknown) => void } = {},
): LiveFeed {
  const feed =
    db.mode === "postgres" && db.connect
      ? postgresFeed(db.sql, db.connect, options.onError ?? (() => {}))
      : inProcessFeed();
  feeds.set(db.sql, feed);
  feeds.set(db.workerSql, feed);
  const close = feed.close;
  return {
    ...feed,
    closed: feed.closed,
    close: async () => {
      for (const sql of [db.sql, db.workerSql]) if (feeds.get(sql) === feed) feeds.delete(sql);
      await close();
    },
  };
}

/** Local subscribers by account; each change calls a subscriber once per turn of the event loop. */
function subscribers() {
  const byUser = new Map<string, Set<() => void>>();
  const due = new Set<() => void>();
  let flushing = false;
  return {
    byUser,
    add(userId: string, listener: () => void): () => void {
      const set = byUser.get(userId) ?? new Set();
      set.add(listener);
      byUser.set(userId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0 && byUser.get(userId) === set) byUser.delete(userId);
      };
    },
    notify(userIds: Iterable<string> | typeof EVERYONE) {
      const users = userIds === EVERYONE ? byUser.keys() : userIds;
      for (const userId of users) for (const listener of byUser.get(userId) ?? []) due.add(listener);
      if (flushing || due.size === 0) return;
      flushing = true;
      setImmediate(() => {
        flushing = false;
        const listeners = [...due];
        due.clear();
        for (const listener of listeners) listener();
      });
    },
  };
}

function inProcessFeed(): LiveFeed {
  const local = subscribers();
  const aborter = new AbortController();
  return {
    subscribe: (userId, onChange) => local.add(userId, onChange),
    changed: (userIds) => local.notify(userIds),
    closed: aborter.signal,
    close: async () => aborter.abort(),
  };
}

function postgresFeed(sql: SqlRunner, connect: () => pg.Client, onError: (error: unknown) => void): LiveFeed {
  const local = subscribers();
  const aborter = new AbortController();
  /** Accounts some process listens for, until when. */
  const present = new Map<string, number>();
  let client: pg.Client | null = null;
  let reconnect: NodeJS.Timeout | null = null;

  const notify = (channel: string, payload: string) =>
    sql.query("SELECT pg_notify($1, $2)", [channel, payload]).catch(onError);

  /** Announces accounts as comma-joined ids, in as few NOTIFYs as the payload limit allows. */
  const announcePresence = (userIds: string[]) => {
    for (let i = 0; i < userIds.length; i += 200)
      void notify(PRESENCE_CHANNEL, userIds.slice(i, i + 200).join(","));
  };

  const open = async () => {
    if (aborter.signal.aborted) return;
    const next = connect();
    next.on("error", (error) => {
      onError(error);
      scheduleReconnect(next);
    });
    next.on("end", () => scheduleReconnect(next));
    next.on("notification", ({ channel, payload = "" }) => {
      const ids = payload === EVERYONE ? EVERYONE : payload.split(",");
      if (channel === PRESENCE_CHANNEL && ids !== EVERYONE) {
        const until = Date.now() + PRESENCE_TTL_MS;
        for (const id of ids) present.set(id, until);
      } else if (channel === CHANGES_CHANNEL) {
        local.notify(ids);
      }
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGES_CHANNEL}; LISTEN ${PRESENCE_CHANNEL}`);
      if (aborter.signal.aborted) return void next.end().catch(() => {});
      client = next;
      // Whoever started while this process was away hears about this one's tabs again.
      announcePresence([...local.byUser.keys()]);
    } catch (error) {
      onError(error);
      scheduleReconnect(next);
    }
  };

  const scheduleReconnect = (broken: pg.Client) => {
    if (client === broken) client = null;
    void broken.end().catch(() => {});
    if (reconnect || aborter.signal.aborted) return;
    reconnect = setTimeout(() => {
      reconnect = null;
      void open();
    }, 1000);
    reconnect.unref();
  };

  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const [id, until] of present) if (until < now) present.delete(id);
    if (local.byUser.size > 0) announcePresence([...local.byUser.keys()]);
  }, PRESENCE_EVERY_MS);
  heartbeat.unref();
  void open();

  return {
    subscribe(userId, onChange) {
      const first = !local.byUser.has(userId);
      const unsubscribe = local.add(userId, onChange);
      if (first) announcePresence([userId]);
      return unsubscribe;
    },
    changed(userIds) {
      const now = Date.now();
      const listening = [...new Set(userIds)].filter((id) => (present.get(id) ?? 0) > now);
      if (listening.length === 0) return;
      const payload = listening.join(",");
      void notify(CHANGES_CHANNEL, payload.length > MAX_PAYLOAD ? EVERYONE : payload);
    },
    closed: aborter.signal,
    async close() {
      aborter.abort();
      clearInterval(heartbeat);
      if (reconnect) clearTimeout(reconnect);
      const open = client;
      client = null;
      await open?.end().catch(() => {});
    },
  };
}
