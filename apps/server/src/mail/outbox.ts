import { randomUUID } from "node:crypto";
import type { KeyRing, SqlRunner } from "../db";
import { openSealed } from "../db/encryption";
import type { MailMessage, MailTransport } from "./transport";

/** What a mail is, for the log line and the outbox row (never its body). */
export type MailKind =
  | "password_reset"
  | "verify_email"
  | "change_email"
  | "sign_up_existing"
  | "alert_disabled"
  | "alert_failing"
  | "alert_recovered";

export type OutgoingMail = MailMessage & {
  kind: MailKind;
  /** The account it is for; its mail goes when the account is deleted. */
  userId?: string | null;
  /** It carries a link with a token (reset, verification): sealed at rest, and deleted once sent. */
  sensitive: boolean;
};

/** Puts mail into the outbox, to be sent by a worker process. */
export type Outbox = {
  enqueue(mail: OutgoingMail): Promise<string>;
};

/**
 * Waits before the next attempt of a mail that failed: 5 s, 30 s, 2 min, 10 min, 30 min, then hourly;
 * after the last one the mail is given up (about 5 hours of an SMTP outage are ridden out).
 */
export const MAIL_RETRY_DELAYS_MS = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000,
];
/** How long a worker holds a claimed mail; a worker killed mid-send leaves it to others after this. */
const LEASE_MS = 60_000;
const BATCH = 20;

/**
 * The outbox of a database. `onQueued` is told after each write (the mailer of this process, woken so
 * the mail leaves at once). A mail with a token is sealed with the database's key, its row id as
 * associated data, like endpoint secrets.
 */
export function createOutbox(sql: SqlRunner, keys: KeyRing, onQueued?: () => void): Outbox {
  return {
    async enqueue(mail) {
      const row = outboxRow(keys, mail);
      await sql.query(
        `INSERT INTO mail_outbox (id, user_id, kind, recipient, message)
         VALUES ($1::uuid, $2::uuid, $3, $4, $5)`,
        row,
      );
      onQueued?.();
      return row[0];
    },
  };
}

/**
 * The values of an outbox row, in the column order id, user_id, kind, recipient, message, for a
 * statement that writes the mail together with something else (the alerts job's state).
 */
export function outboxRow(
  keys: KeyRing,
  { kind, userId = null, sensitive, ...message }: OutgoingMail,
): [string, string | null, string, string, string] {
  const id = randomUUID();
  const json = JSON.stringify(message);
  return [id, userId, kind, message.to, sensitive ? keys.seal(json, id) : json];
}

/**
 * One line per mail event: which mail, of which account, which attempt; never the body, never the
 * address (logs hold no one's email), and the link only when the mail went to a file on this machine.
 */
export type MailLogLine = {
  event: "sent" | "written" | "retry" | "given_up";
  id: string;
  kind: string;
  userId: string | null;
  attempt: number;
  error?: string;
  file?: string;
  /** Only when the mail was written to a file (no SMTP, embedded database): the link it carries. */
  link?: string;
};

export type MailerOptions = {
  /** Where each send, retry and give-up is told (main.ts: the server's log). */
  log: (line: MailLogLine) => void;
  /** A pass that failed (the database unreachable): the next poll tries again. @default console.error */
  onError?: (error: unknown) => void;
  /** How often the outbox is looked at besides wake-ups. @default 2000 */
  pollMs?: number;
  /**
   * A clock of the test's (moved forward to reach retries). @default the database's, the one that
   * stamped each mail's due time: this process's could be behind it, and miss a mail just written.
   */
  now?: () => number;
  /** @default MAIL_RETRY_DELAYS_MS */
  retryDelaysMs?: number[];
};

/**
 * Sends what is in the outbox. Several processes may run one: a mail is claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease, so each is sent by one of them, and one left by a process
 * killed mid-send goes when its lease ends. A sent mail's row is deleted; one that keeps failing is
 * retried on MAIL_RETRY_DELAYS_MS, then marked failed with its body removed.
 */
export function createMailer(sql: SqlRunner, transport: MailTransport, options: MailerOptions) {
  /** The time for a statement: null means the database's now(), which each statement falls back on. */
  const clock = () => (options.now ? new Date(options.now()).toISOString() : null);
  const delays = options.retryDelaysMs ?? MAIL_RETRY_DELAYS_MS;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let again = false;

  async function sendOne(row: OutboxRow) {
    const base = { id: row.id, kind: row.kind, userId: row.user_id, attempt: row.attempts };
    let message: MailMessage;
    try {
      message = JSON.parse(openSealed(row.message, row.id)) as MailMessage;
    } catch (error) {
      // Unreadable (a key that is gone): no retry can help.
      await giveUp(row.id, error);
      options.log({ ...base, event: "given_up", error: describe(error) });
      return;
    }
    try {
      const result = await transport.send(message, row.id);
      await sql.query("DELETE FROM mail_outbox WHERE id = $1::uuid", [row.id]);
      options.log(
        transport.mode === "files"
          ? {
              ...base,
              event: "written",
              ...(result.file && { file: result.file }),
              ...(message.link && { link: message.link }),
            }
          : { ...base, event: "sent" },
      );
    } catch (error) {
      const delay = delays[row.attempts - 1];
      if (delay === undefined) {
        await giveUp(row.id, error);
        options.log({ ...base, event: "given_up", error: describe(error) });
        return;
      }
      await sql.query(
        `UPDATE mail_outbox
         SET next_attempt_at = coalesce($2::timestamptz, now()) + $3::int * interval '1 millisecond',
           last_error = $4, locked_until = NULL WHERE id = $1::uuid`,
        [row.id, clock(), delay, describe(error)],
      );
      options.log({ ...base, event: "retry", error: describe(error) });
    }
  }

  /** Marks a mail failed for good, its body removed. */
  async function giveUp(id: string, error: unknown) {
    await sql.query(
      `UPDATE mail_outbox SET failed_at = coalesce($2::timestamptz, now()), message = '', last_error = $3,
         locked_until = NULL
       WHERE id = $1::uuid`,
      [id, clock(), describe(error)],
    );
  }

  /** Claims and sends what is due; resolves with how many mails were tried. */
  async function runOnce(): Promise<number> {
    const rows = await sql.query<OutboxRow>(
      `UPDATE mail_outbox
       SET locked_until = coalesce($1::timestamptz, now()) + $2::int * interval '1 millisecond',
         attempts = attempts + 1
       WHERE id IN (SELECT id FROM mail_outbox
                    WHERE failed_at IS NULL AND next_attempt_at <= coalesce($1::timestamptz, now())
                      AND (locked_until IS NULL OR locked_until <= coalesce($1::timestamptz, now()))
                    ORDER BY next_attempt_at LIMIT $3::int FOR UPDATE SKIP LOCKED)
       RETURNING id::text, user_id::text, kind, message, attempts`,
      [clock(), LEASE_MS, BATCH],
    );
    for (const row of rows) await sendOne(row);
    return rows.length;
  }

  /** One pass at a time; a wake-up during a pass runs another right after it. */
  function pass(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          let sent: number;
          do {
            sent = await runOnce();
            total += sent;
          } while (sent === BATCH);
        } while (again);
      } finally {
        // In the same turn as the last look at `again`: a .finally() on the promise ran a turn
        // later, and a wake-up in between found the pass still running, set `again` for a loop that
        // had ended, and was lost (a mail then waited for the next poll; tests that do not poll hung).
        running = null;
      }
      return total;
    })();
    return running;
  }

  return {
    runOnce,
    /** Sends what is due now (after a write in this process, and on every poll). */
    wake(): void {
      pass().catch(options.onError ?? ((error) => console.error("genie mailer:", error)));
    },
    start(): void {
      timer = setInterval(() => this.wake(), options.pollMs ?? 2000);
      timer.unref();
      this.wake();
    },
    /** Stops polling and waits for a pass in progress. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => {});
      transport.close();
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;

type OutboxRow = { id: string; user_id: string | null; kind: string; message: string; attempts: number };

/**
 * An error in one line, without the message body (SMTP servers echo commands, never the data) and
 * without addresses ("550 <owner@example.com>: no such user" names the recipient).
 */
function describe(error: unknown): string {
  const e = error as { responseCode?: number; code?: string; message?: string };
  const text = [e.responseCode, e.code, e.message?.split("\n")[0]].filter(Boolean).join(" ");
  return (text || String(error)).replace(/[^\s<>@"]+@[^\s<>@"]+/g, "(address)").slice(0, 500);
}
