import { hostname } from "node:os";
import type { SqlRunner } from "../db";
import type { WorkerShare } from "./contract";
import type { OpenWorkerSession, WorkerSession } from "./session";
import { liveWorkers, takeOverDeadWorkers } from "./store";

/** Opening the worker's session is tried again this often while the database is unreachable. */
const SESSION_RETRY_DELAYS_MS = [200, 1000, 2000, 5000];

export type SessionKeeperOptions = {
  sql: SqlRunner;
  /** The start of this worker's ids; each session adds a part of its own. */
  baseId?: string;
  /** Without one, the worker is always live and leases are taken over when they expire. */
  openSession?: OpenWorkerSession;
  takeoverIntervalMs: number;
  /** No other worker can be running on this database: every lease not ours is stale at start. */
  soleWorker: boolean;
  /** The database's wake-up for this worker. */
  onWakeUp(passes: number): void;
  /** The session (and the right to send) is back under `workerId`: claim what is due. */
  onLive(workerId: string): void;
  /** The session is gone: stop sending now (cut attempts, give back held deliveries). */
  onLost(workerId: string, error: Error): void;
  /** Leases of dead workers were taken over: claim them. */
  onTakenOver(): void;
  /** The live workers on this database changed (they share each endpoint's limits). */
  onWorkers?(share: WorkerShare): void;
  onError(error: unknown, what: string): void;
};

/**
 * The worker session and takeover: which id this worker's leases are taken under, whether it may
 * send (`live`), the database session that proves it is alive (session.ts), opening it again under a
 * new id when it is lost, and taking over the leases of workers that died.
 */
export class SessionKeeper {
  private readonly options: SessionKeeperOptions;
  private readonly baseId: string;
  /** The id leases are taken under: with a session, a new one for each session. */
  private current: string;
  /** Without a session always; with one, only while it holds its lock. */
  private liveNow: boolean;
  private session: WorkerSession | null = null;
  private connecting: Promise<void> | null = null;
  private running = false;
  private takeoverTimer: NodeJS.Timeout | null = null;
  private takingOver = false;

  constructor(options: SessionKeeperOptions) {
    this.options = options;
    this.baseId = options.baseId ?? `${hostname()}:${process.pid}`;
    this.current = this.newId();
    this.liveNow = !options.openSession;
  }

  get workerId(): string {
    return this.current;
  }

  /** May this worker send under its current id? */
  get live(): boolean {
    return this.liveNow;
  }

  /** This worker's key among the live workers, for passing wake-ups on (null without a session). */
  get key(): string | null {
    return this.session?.key ?? null;
  }

  /**
   * Opens the session (retrying while the database is away) and starts the takeover timer; without a
   * session, a sole worker first takes over every stale lease, so a restart after a crash resumes at
   * once rather than when those leases expire.
   */
  async start(): Promise<void> {
    this.running = true;
    if (this.options.openSession) {
      await this.connect();
      if (!this.running) return;
      this.takeoverTimer = setInterval(() => void this.takeOver(), this.options.takeoverIntervalMs);
      this.takeoverTimer.unref();
    } else if (this.options.soleWorker) {
      await this.takeOver(true);
    }
  }

  /** Stops the takeover and any reconnecting (the session itself is closed by `close`). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.takeoverTimer) clearInterval(this.takeoverTimer);
    await this.connecting;
  }

  /** Gives the session's lock up: only once the worker has given back its leases. */
  async close(): Promise<void> {
    await this.session?.close();
    this.session = null;
  }

  private newId(): string {
    return `${this.baseId}:${Math.random().toString(36).slice(2, 10)}`;
  }

  private connect(): Promise<void> {
    const openSession = this.options.openSession;
    if (!openSession) return Promise.resolve();
    this.connecting ??= (async () => {
      for (let failures = 0; this.running; failures++) {
        const workerId = this.newId();
        try {
          const session = await openSession(workerId, {
            onWake: (passes) => this.options.onWakeUp(passes),
            onLost: (error) => this.lost(workerId, error),
          });
          if (session && !this.running) await session.close();
          if (session && this.running) {
            this.session = session;
            this.current = workerId;
            this.liveNow = true;
            this.options.onLive(workerId);
            return;
          }
        } catch (error) {
          this.options.onError(error, "opening the worker's database session");
        }
        const delay = SESSION_RETRY_DELAYS_MS[Math.min(failures, SESSION_RETRY_DELAYS_MS.length - 1)];
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * The session (and so perhaps the lock) is gone: another worker may take this worker's leases over
   * at any moment, so it stops sending now; a new session brings it back under a new id.
   */
  private lost(workerId: string, error: Error): void {
    if (workerId !== this.current || !this.liveNow) return;
    this.liveNow = false;
    this.session = null;
    this.options.onLost(workerId, error);
    if (this.running) void this.connect();
  }

  /** Takes over the leases of dead workers (see takeOverDeadWorkers); counts the live ones too. */
  private async takeOver(everyoneElse = false): Promise<void> {
    if (!this.running || !this.liveNow || this.takingOver) return;
    this.takingOver = true;
    try {
      const taken = await takeOverDeadWorkers(this.options.sql, { workerId: this.current, everyoneElse });
      if (taken > 0) this.options.onTakenOver();
      if (this.session && this.options.onWorkers) {
        this.options.onWorkers(await liveWorkers(this.options.sql, this.session.key));
      }
    } catch (error) {
      this.options.onError(error, "taking over dead workers' deliveries");
    } finally {
      this.takingOver = false;
    }
  }
}
