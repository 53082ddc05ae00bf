import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
import type { MailDestination } from "../config";

/** One mail as the outbox stores it (mail/outbox.ts) and a transport sends it. */
export type MailMessage = {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers (List-Unsubscribe on alerts). */
  headers?: Record<string, string>;
  /** The link the mail is about, printed on the log line when mail is written to files. */
  link?: string;
};

/** Where a sent mail went: `file` when it was written into the data folder instead of sent. */
export type SendResult = { messageId: string; file?: string };

export type MailTransport = {
  mode: "smtp" | "files";
  send(message: MailMessage, id: string): Promise<SendResult>;
  close(): void;
};

/** How long an SMTP server may take to answer, each step: a stuck server must not hold a mail forever. */
const SMTP_TIMEOUT_MS = 30_000;

/**
 * nodemailer over SMTP (GENIE_SMTP_URL), or, without SMTP on the embedded database, `.eml` files in
 * the data folder's `mail/` (private like the rest of it). `null` when mail is off.
 */
export function createMailTransport(settings: MailDestination): MailTransport | null {
  if (settings.mode === "off") return null;
  const from = settings.from;
  if (settings.mode === "smtp") {
    const transporter = nodemailer.createTransport({
      url: settings.smtpUrl,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    });
    return {
      mode: "smtp",
      async send(message) {
        const info = await transporter.sendMail(mailOptions(from, message));
        return { messageId: info.messageId };
      },
      close: () => transporter.close(),
    };
  }
  const dir = settings.dir;
  const streamer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    mode: "files",
    async send(message, id) {
      const info = await streamer.sendMail(mailOptions(from, message));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${id}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      return { messageId: info.messageId, file };
    },
    close() {},
  };
}

function mailOptions(from: string, message: MailMessage) {
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    ...(message.headers && { headers: message.headers }),
  };
}
