import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type CapturedMail, startSmtpCapture } from "../../server/test/support/smtp";
import { test as base, expect } from "./fixtures";

const SERVER_MAIN = fileURLToPath(new URL("../../server/src/main.ts", import.meta.url));
const TSX_CLI = createRequire(SERVER_MAIN).resolve("tsx/cli");

export type MailServer = {
  url: string;
  process: ChildProcess;
  dataDir: string;
  smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
};

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
      const dataDir = mkdtempSync(path.join(tmpdir(), "genie-e2e-mail-"));
      const child = spawn(process.execPath, [TSX_CLI, SERVER_MAIN], {
        env: {
          ...process.env,
          PORT: "0",
          HOST: "127.0.0.1",
          GENIE_DATA_DIR: dataDir,
          GENIE_SSRF_ALLOW: "127.0.0.1",
          GENIE_POLL_INTERVAL_MS: "200",
          GENIE_SMTP_URL: smtp.url,
          GENIE_REQUIRE_EMAIL_VERIFICATION: "false",
          GENIE_ALERTS_INTERVAL_MS: "1000",
          LOG_LEVEL: "warn",
          DATABASE_URL: "",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
        const read = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        child.stdout?.on("data", read);
        child.stderr?.on("data", read);
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`server exited with ${code}:\n${output}`));
        });
      });
      await use({ url, process: child, dataDir, smtp });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
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
