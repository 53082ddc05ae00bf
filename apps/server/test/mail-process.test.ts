import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabaseSpace, isModeAvailable, type TestDatabaseSpace } from "./support/databases";
import { httpClient } from "./support/http";
import { genieEnv, type ServerProcess, startServer, stopProcess, waitForListening } from "./support/process";
import { startSmtpCapture } from "./support/smtp";

/** A loopback port nothing listens on: an SMTP server that is down. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Signs an account up and asks for its reset link, as a browser would. */
async function askForReset(url: string, email: string, origin = url) {
  const client = httpClient(url, { origin });
  const signUp = await client.post("/api/auth/sign-up/email", {
    name: "Owner",
    email,
    password: "correct horse battery",
  });
  expect(signUp.status).toBe(200);
  const reset = await client.post("/api/auth/request-password-reset", { email });
  expect(reset.status).toBe(200);
}

describe("mail survives the process that wrote it", () => {
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  const spaces: TestDatabaseSpace[] = [];
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
  });
  afterAll(async () => {
    for (const server of servers) await stopProcess(server);
    for (const space of spaces) await space.remove();
    await smtp?.close();
  });

  test.skipIf(!isModeAvailable("postgres"))(
    "an API process killed right after answering: a worker started later sends its mails",
    async () => {
      const space = await createTestDatabaseSpace("postgres");
      spaces.push(space);
      const env = genieEnv(space, {
        GENIE_SMTP_URL: smtp.url,
        GENIE_PUBLIC_URL: "https://genie.example.com",
      });
      // An API-only process writes mail and never sends it: killing it leaves only the outbox.
      const api = startServer(env, ["--role", "api"]);
      servers.push(api);
      await askForReset(await waitForListening(api), "killed@example.com", "https://genie.example.com");
      api.child.kill("SIGKILL");
      await api.exited;
      const before = smtp.received.length;

      const worker = startServer(env, ["--role", "worker"]);
      servers.push(worker);
      await waitForListening(worker);
      const mails = (await smtp.waitFor(before + 2)).slice(before);
      expect(mails.map((m) => m.subject).sort()).toEqual([
        "Confirm your email address for Genie",
        "Reset your Genie password",
      ]);
      const reset = mails.find((m) => m.subject === "Reset your Genie password");
      expect(reset?.to).toBe("killed@example.com");
      expect(reset?.links[0]).toMatch(/^https:\/\/genie\.example\.com\/reset-password\?token=/);
      // Nothing of a link reaches the log on a real SMTP setup.
      expect(worker.output()).not.toContain("token=");
      await stopProcess(worker);
    },
    60_000,
  );

  test("SMTP down, the process killed, restarted with SMTP up: the reset mail arrives once", async () => {
    const space = await createTestDatabaseSpace("pglite");
    spaces.push(space);
    const down = `smtp://genie:mail-secret@127.0.0.1:${await closedPort()}`;
    const first = startServer(genieEnv(space, { GENIE_SMTP_URL: down, LOG_LEVEL: "info" }));
    servers.push(first);
    const url = await waitForListening(first);
    await askForReset(url, "laptop@example.com");
    // Wait (bounded) until the first process has tried both mails (verification, reset) and failed:
    // they wait for their retry, unclaimed.
    const retries = () => first.output().match(/"event":"retry"/g)?.length ?? 0;
    for (let i = 0; i < 200 && retries() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(retries(), first.output()).toBe(2);
    first.child.kill("SIGKILL");
    await first.exited;
    const before = smtp.received.length;

    const second = startServer(genieEnv(space, { GENIE_SMTP_URL: smtp.url }));
    servers.push(second);
    await waitForListening(second);
    const mails = (await smtp.waitFor(before + 2)).slice(before);
    expect(mails.map((m) => m.subject).sort()).toEqual([
      "Confirm your email address for Genie",
      "Reset your Genie password",
    ]);
    await stopProcess(second);
    expect(smtp.received.length).toBe(before + 2);
  }, 60_000);

  test("the embedded database without SMTP: the mail is an .eml file and its link is on one log line", async () => {
    const space = await createTestDatabaseSpace("pglite");
    spaces.push(space);
    const server = startServer(genieEnv(space, { LOG_LEVEL: "info" }));
    servers.push(server);
    await askForReset(await waitForListening(server), "local@example.com");
    const written = () => server.output().match(/mail password_reset written to \S+\.eml[^"]*: (\S+?)"/);
    for (let i = 0; i < 200 && !written(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.output()).not.toContain("local@example.com");
    expect(written()?.[1], server.output()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=\w+$/);
    await stopProcess(server);
  }, 60_000);

  test.skipIf(!isModeAvailable("postgres"))(
    "PostgreSQL without SMTP: mail is off, said once at start, and no link is ever logged",
    async () => {
      const space = await createTestDatabaseSpace("postgres");
      spaces.push(space);
      const server = startServer(genieEnv(space, { LOG_LEVEL: "info" }));
      servers.push(server);
      const url = await waitForListening(server);
      const client = httpClient(url);
      expect(
        (
          await client.post("/api/auth/sign-up/email", {
            name: "O",
            email: "pg@example.com",
            password: "correct horse battery",
          })
        ).status,
      ).toBe(200);
      expect(
        (await client.post("/api/auth/request-password-reset", { email: "pg@example.com" })).status,
      ).toBe(400);
      await stopProcess(server);
      expect(server.output().match(/mail is off/g)).toHaveLength(1);
      expect(server.output()).not.toMatch(/token=/);
    },
    60_000,
  );
});
