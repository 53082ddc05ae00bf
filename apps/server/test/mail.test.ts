import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MailDestination } from "../src/config";
import type { Database } from "../src/db";
import { createMailer, createOutbox, MAIL_RETRY_DELAYS_MS, type MailLogLine } from "../src/mail/outbox";
import { createMailTransport, type MailTransport } from "../src/mail/transport";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { startSmtpCapture } from "./support/smtp";

const FROM = "Genie <genie@genie.example.com>";
/**
 * Where a test's clock starts: a millisecond on, because the database stamps a due time to the
 * microsecond and Date.now() drops them (a mail written in this millisecond could be due after it).
 */
const testClock = () => Date.now() + 1;

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`mail outbox and SMTP on ${mode}`, () => {
    let db: Database;
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
    let settings: MailDestination;
    const logged: MailLogLine[] = [];

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      smtp = await startSmtpCapture();
      settings = { mode: "smtp", smtpUrl: smtp.url, from: FROM };
    });
    afterAll(async () => {
      await smtp?.close();
      await db?.close();
    });

    const mailerAt = (now: () => number = Date.now) => {
      const transport = createMailTransport(settings);
      if (!transport) throw new Error("mail is on");
      return createMailer(db.sql, transport, { log: (line) => logged.push(line), now });
    };
    const outboxRows = () =>
      db.sql.query<{ id: string; message: string; attempts: number; failed_at: Date | null }>(
        "SELECT id::text, message, attempts, failed_at FROM mail_outbox ORDER BY created_at",
      );

    test("a mail with a token is sealed in the outbox, sent with its headers and text, then deleted", async () => {
      const outbox = createOutbox(db.sql, db.keys);
      const before = smtp.received.length;
      await outbox.enqueue({
        kind: "password_reset",
        to: "owner@example.com",
        sensitive: true,
        subject: "Reset your Genie password",
        text: "Use https://genie.example.com/reset-password?token=tok123",
        html: "<p>Use the link</p>",
        link: "https://genie.example.com/reset-password?token=tok123",
      });
      const [row] = await outboxRows();
      expect(row?.message).toMatch(/^enc:v1:/);
      expect(row?.message).not.toContain("tok123");

      const mailer = mailerAt();
      expect(await mailer.runOnce()).toBe(1);
      const [mail] = (await smtp.waitFor(before + 1)).slice(before);
      expect(mail?.from).toBe(`"Genie" <genie@genie.example.com>`);
      expect(mail?.to).toBe("owner@example.com");
      expect(mail?.subject).toBe("Reset your Genie password");
      expect(mail?.links).toEqual(["https://genie.example.com/reset-password?token=tok123"]);
      expect(await outboxRows()).toEqual([]);
      const line = logged.at(-1);
      expect(line).toMatchObject({ event: "sent", kind: "password_reset", userId: null, attempt: 1 });
      // The log line never carries the body, the link or the address.
      expect(JSON.stringify(line)).not.toContain("tok123");
      expect(JSON.stringify(line)).not.toContain("owner@example.com");
      await mailer.stop();
    });

    test("a mail is due to the pass its write wakes, every time (its due time is never rounded up)", async () => {
      const outbox = createOutbox(db.sql, db.keys);
      const transport: MailTransport = {
        mode: "files",
        send: async () => ({ messageId: "counted" }),
        close() {},
      };
      const mailer = createMailer(db.sql, transport, { log: () => {} });
      const missed: number[] = [];
      // Stored to the millisecond and rounded, one write in six was still in the future here.
      for (let i = 0; i < 100; i++) {
        await outbox.enqueue({
          kind: "verify_email",
          to: "due@example.com",
          sensitive: false,
          subject: "s",
          text: "t",
          html: "h",
        });
        if ((await mailer.runOnce()) !== 1) missed.push(i);
      }
      expect(missed).toEqual([]);
      expect(await outboxRows()).toEqual([]);
      await mailer.stop();
    });

    test("an SMTP server that refuses, then accepts, gets the mail exactly once", async () => {
      const outbox = createOutbox(db.sql, db.keys);
      const before = smtp.received.length;
      const refusedBefore = smtp.refusedCount();
      await outbox.enqueue({
        kind: "verify_email",
        to: "retry@example.com",
        sensitive: false,
        subject: "Confirm",
        text: "Confirm https://genie.example.com/x",
        html: "<p>x</p>",
      });
      let clock = testClock();
      const mailer = mailerAt(() => clock);
      smtp.refuse(1);
      expect(await mailer.runOnce()).toBe(1);
      expect(smtp.refusedCount()).toBe(refusedBefore + 1);
      expect(logged.at(-1)).toMatchObject({ event: "retry", kind: "verify_email", attempt: 1 });
      expect(logged.at(-1)?.error).toMatch(/451/);
      // Not due before its backoff ends.
      expect(await mailer.runOnce()).toBe(0);
      clock += MAIL_RETRY_DELAYS_MS[0] ?? 0;
      expect(await mailer.runOnce()).toBe(1);
      await smtp.waitFor(before + 1);
      expect(await mailer.runOnce()).toBe(0);
      expect(smtp.received.slice(before).map((m) => m.to)).toEqual(["retry@example.com"]);
      expect(await outboxRows()).toEqual([]);
      await mailer.stop();
    });

    test("a mail committed by a process that died before sending it is sent by the next one", async () => {
      const before = smtp.received.length;
      // The request's process wrote the mail and died: nothing of it is in memory anywhere.
      await createOutbox(db.sql, db.keys).enqueue({
        kind: "password_reset",
        to: "crash@example.com",
        sensitive: true,
        subject: "Reset",
        text: "https://genie.example.com/reset-password?token=crash",
        html: "<p>x</p>",
      });
      // A worker claimed it and was killed mid-send: its lease holds it for a minute, then it is free.
      let clock = testClock();
      await db.sql.query("UPDATE mail_outbox SET attempts = 1, locked_until = $1::timestamptz", [
        new Date(clock + 60_000).toISOString(),
      ]);
      const restarted = mailerAt(() => clock);
      expect(await restarted.runOnce()).toBe(0);
      clock += 60_000;
      expect(await restarted.runOnce()).toBe(1);
      const [mail] = (await smtp.waitFor(before + 1)).slice(before);
      expect(mail?.to).toBe("crash@example.com");
      expect(mail?.links).toEqual(["https://genie.example.com/reset-password?token=crash"]);
      await restarted.stop();
    });

    test("a mail that keeps failing is given up after its schedule, its body removed", async () => {
      await createOutbox(db.sql, db.keys).enqueue({
        kind: "verify_email",
        to: "nobody@example.com",
        sensitive: true,
        subject: "Confirm",
        text: "https://genie.example.com/verify?token=gone",
        html: "<p>x</p>",
      });
      let clock = testClock();
      const mailer = mailerAt(() => clock);
      smtp.refuse(MAIL_RETRY_DELAYS_MS.length + 1);
      for (let attempt = 0; attempt <= MAIL_RETRY_DELAYS_MS.length; attempt++) {
        expect(await mailer.runOnce()).toBe(1);
        clock += 3_600_000;
      }
      smtp.refuse(0);
      const [row] = await outboxRows();
      expect(row?.failed_at).toBeTruthy();
      expect(row?.message).toBe("");
      expect(logged.at(-1)).toMatchObject({ event: "given_up", kind: "verify_email" });
      expect(JSON.stringify(logged)).not.toContain("@example.com");
      expect(await mailer.runOnce()).toBe(0);
      await db.sql.query("DELETE FROM mail_outbox");
      await mailer.stop();
    });
  });
}

describe("mail without SMTP on the embedded database", () => {
  test("each mail is written as an .eml file into the data folder, its link on the log line", async () => {
    const db = await openTestDatabase("pglite");
    try {
      if (db.space.config.kind !== "pglite") throw new Error("pglite");
      const dir = `${db.space.config.dataDir}/mail`;
      const transport = createMailTransport({
        mode: "files",
        dir,
        from: FROM,
      });
      if (!transport) throw new Error("files mode");
      const logged: MailLogLine[] = [];
      const mailer = createMailer(db.sql, transport, { log: (line) => logged.push(line) });
      await createOutbox(db.sql, db.keys).enqueue({
        kind: "password_reset",
        to: "laptop@example.com",
        sensitive: true,
        subject: "Reset your Genie password",
        text: "https://genie.example.com/reset-password?token=local",
        html: "<p>x</p>",
        link: "https://genie.example.com/reset-password?token=local",
      });
      expect(await mailer.runOnce()).toBe(1);
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      const eml = readFileSync(`${dir}/${files[0]}`, "utf8");
      expect(eml).toContain("To: laptop@example.com");
      expect(eml).toContain("Subject: Reset your Genie password");
      expect(logged).toEqual([
        expect.objectContaining({
          event: "written",
          link: "https://genie.example.com/reset-password?token=local",
          file: `${dir}/${files[0]}`,
        }),
      ]);
      await mailer.stop();
    } finally {
      await db.close();
      await db.space.remove();
    }
  });
});
