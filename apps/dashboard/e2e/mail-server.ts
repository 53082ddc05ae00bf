import { type CapturedMail, startSmtpCapture } from "../../server/test/support/smtp";
import { test as base, expect, type Server, startServer, stopServer } from "./fixtures";

export type MailServer = Server & { smtp: Awaited<ReturnType<typeof startSmtpCapture>> };

/**
 * The dashboard's harness (fixtures.ts: strict CSP, receiver) with a Genie server that sends mail to
 * a real SMTP server on loopback (the server tests' capture), alerts looked for every second, and
 * sign-up without verification (the owner is signed in at once, as the shared helpers expect).
 */
export const test = base.extend<object, { mailServer: MailServer }>({
  mailServer: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture signature
    async ({}, use) => {
      const smtp = await startSmtpCapture();
      const server = await startServer({
        GENIE_SMTP_URL: smtp.url,
        GENIE_REQUIRE_EMAIL_VERIFICATION: "false",
        GENIE_ALERTS_INTERVAL_MS: "1000",
      });
      await use({ ...server, smtp });
      await stopServer(server);
      await smtp.close();
    },
    { scope: "worker", timeout: 90_000 },
  ],
  // The shared fixtures' pages (baseURL) use this server.
  server: [async ({ mailServer }, use) => use(mailServer), { scope: "worker" }],
});

export { expect };

/** The first mail to `to` whose subject matches, waiting for it (polled, bounded by `expect`'s timeout). */
export async function mailTo(server: MailServer, to: string, subject: RegExp): Promise<CapturedMail> {
  let found: CapturedMail | undefined;
  await expect
    .poll(
      () => {
        found = server.smtp.received.find((mail) => mail.to === to && subject.test(mail.subject));
        return !!found;
      },
      { timeout: 20_000, message: `a mail to ${to} with subject ${subject}` },
    )
    .toBe(true);
  return found as CapturedMail;
}
