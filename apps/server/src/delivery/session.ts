import type pg from "pg";

/**
 * A worker's own database session, on PostgreSQL, for as long as the worker lives: it holds the
 * worker's liveness lock and receives the worker's wake-ups.
 *
 * Why a session-level advisory lock, and not a heartbeat. Another worker may take over a delivery
 * only when its holder can no longer be sending it. A heartbeat (or a lease that expires) cannot say
 * that: a worker paused by a GC, SIGSTOP or a slow network stops beating but still has its requests
 * open at the receiver, and resumes them later, so a takeover after N missed beats sends the same
 * delivery twice at once, for every N. The lock follows the process instead of the clock: a killed
 * process's connection is closed by its kernel and PostgreSQL drops the lock with the session at once;
 * a paused process keeps both (its kernel still answers for the socket). So on PostgreSQL a lease is
 * never taken over because it is old, only because its holder's lock is free (`takeOverDeadWorkers`).
 *
 * The other side of it: the lock is only as good as this connection. If the connection drops, the
 * lock may be gone and another worker may take over, so the worker must stop sending at once (it cuts
 * its attempts and forgets its leases) and come back under a new identity with a new lock. Two timers
 * keep that ordering when the network, not the process, fails: this side pings every
 * `heartbeatMs` and gives the session up after `heartbeatTimeoutMs` without an answer (at most ~5 s),
 * while the server is told to drop a silent client only after its TCP keepalives have failed for
 * ~19 s (`tcp_keepalives_*` below): the worker fences itself well before its lock can be released.
 *
 * Why a dedicated connection, not the pool: a session-level lock and LISTEN belong to one backend.
 * A pooled client would be handed to other queries, and releasing it would keep the lock on a
 * connection nobody watches (or lose the LISTEN when the pool closes it as idle).
 */
export type WorkerSession = {
  readonly workerId: string;
  /** This worker's key among the live workers (what a full worker passes its wake-ups on after). */
  readonly key: string;
  /** Gives the lock up (after the worker has given back its leases) and closes the connection. */
  close(): Promise<void>;
};

export type SessionHandlers = {
  /** A wake-up for this worker; `passes`: how many more workers it may be passed on to when full. */
  onWake(passes: number): void;
  /** The session is gone or stopped answering: the lock may be gone with it. Called at most once. */
  onLost(error: Error): void;
};

/** Opens a session holding `workerId`'s lock; null if that lock is taken (a hash collision: pick another id). */
export type OpenWorkerSession = (
  workerId: string,
  handlers: SessionHandlers,
) => Promise<WorkerSession | null>;

/** Advisory lock class of worker sessions; the other key is `hashtext(worker id)`. The migration names it too. */
export const WORKER_LOCK_CLASS = 1_734_700_645;

/**
 * The server closes a client it cannot reach after 10 s idle + 3 probes 3 s apart: later than this
 * side gives the session up (see above). On a Unix socket these settings do nothing, and need nothing.
 */
const SERVER_KEEPALIVES =
  "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 3; SET tcp_keepalives_count = 3";

/**
 * Worker sessions over dedicated node-postgres clients made by `connect` (each outside any pool).
 */
export function workerSessions(
  connect: () => pg.Client,
  timing: { heartbeatMs?: number; heartbeatTimeoutMs?: number } = {},
): OpenWorkerSession {
  const heartbeatMs = timing.heartbeatMs ?? 2000;
  const heartbeatTimeoutMs = timing.heartbeatTimeoutMs ?? 3000;
  return async (workerId, handlers) => {
    const client = connect();
    let open = false;
    let closed = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const lose = (error: Error) => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      // The worker cuts its attempts first; only then may the lock go (ending the session frees it).
      if (open) handlers.onLost(error);
      client.end().catch(() => {});
    };
    client.on("error", lose);
    client.on("end", () => lose(new Error("the worker's database session ended")));
    client.on("notification", (message) => {
      if (!closed) handlers.onWake(Number(message.payload) || 0);
    });

    let key: string;
    try {
      await client.connect();
      await client.query(SERVER_KEEPALIVES);
      const { rows } = await client.query<{ locked: boolean; key: string }>(
        "SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked, (hashtext($2)::bigint & 4294967295)::text AS key",
        [WORKER_LOCK_CLASS, workerId],
      );
      const row = rows[0];
      if (!row?.locked) {
        closed = true;
        await client.end();
        return null;
      }
      key = row.key;
      await client.query(`LISTEN genie_wake_${key}`);
    } catch (error) {
      closed = true;
      await client.end().catch(() => {});
      throw error;
    }
    open = true;

    let pinging = false;
    heartbeat = setInterval(() => {
      if (pinging || closed) return;
      pinging = true;
      // Checked once more after the event loop's I/O: a process that was paused (or blocked) finds
      // the answer waiting in its socket, and a late timer alone must not end a healthy session.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (pinging) {
              lose(new Error(`the worker's database session did not answer within ${heartbeatTimeoutMs} ms`));
            }
          }),
        heartbeatTimeoutMs,
      );
      client.query("SELECT 1").then(
        () => {
          clearTimeout(timer);
          pinging = false;
        },
        (error: Error) => {
          clearTimeout(timer);
          lose(error);
        },
      );
    }, heartbeatMs);
    heartbeat.unref();

    return {
      workerId,
      key,
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        await client.end().catch(() => {});
      },
    };
  };
}
