import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type CapturedMail = {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: ParsedMail["headers"];
  /** Every http(s) link in the text part. */
  links: string[];
  raw: string;
};

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package) that keeps every message it accepts,
 * with login (user `genie`, password `mail-secret`). `refuse(n)` makes it answer the next n messages
 * with a temporary failure (451), as a server in trouble does.
 */
export async function startSmtpCapture() {
  const received: CapturedMail[] = [];
  const waiters: Array<() => void> = [];
  let refusals = 0;
  let refused = 0;
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "genie" && auth.password === "mail-secret")
        return callback(null, { user: "genie" });
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (refusals > 0) {
          refusals -= 1;
          refused += 1;
          const error = Object.assign(new Error("Try again later"), { responseCode: 451 });
          return callback(error);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        void simpleParser(raw).then((parsed) => {
          const text = parsed.text ?? "";
          received.push({
            from: parsed.from?.text ?? "",
            to: Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(", ") : (parsed.to?.text ?? ""),
            subject: parsed.subject ?? "",
            text,
            html: typeof parsed.html === "string" ? parsed.html : "",
            headers: parsed.headers,
            links: text.match(/https?:\/\/\S+/g) ?? [],
            raw,
          });
          for (const wake of waiters.splice(0)) wake();
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://genie:mail-secret@127.0.0.1:${port}`,
    received,
    /** How many messages were answered with a temporary failure. */
    refusedCount: () => refused,
    refuse(count: number) {
      refusals = count;
    },
    /** Resolves once `count` messages in all have arrived (bounded by the test's timeout). */
    async waitFor(count: number): Promise<CapturedMail[]> {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
