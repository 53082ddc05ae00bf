import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";
import { type Receiver, startReceiver } from "./receiver";

const SERVER_MAIN = fileURLToPath(new URL("../../server/src/main.ts", import.meta.url));
const TSX_CLI = createRequire(SERVER_MAIN).resolve("tsx/cli");

/**
 * The Content-Security-Policy the server is to send (issue 11, helmet): no inline scripts or styles.
 * The fixture adds it to every page here, so a page that needs 'unsafe-inline' fails its test now.
 */
export const STRICT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export type Server = { url: string; process: ChildProcess; dataDir: string };

/**
 * A real Genie server (`apps/server/src/main.ts`, the built dashboard) on a fresh embedded database
 * and a free loopback port, with the SSRF guard letting loopback receivers through. `env` adds to
 * or overrides its settings.
 */
export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "genie-e2e-"));
  const child = spawn(process.execPath, [TSX_CLI, SERVER_MAIN], {
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      GENIE_DATA_DIR: dataDir,
      GENIE_SSRF_ALLOW: "127.0.0.1",
      GENIE_POLL_INTERVAL_MS: "200",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      ...env,
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
  return { url, process: child, dataDir };
}

export async function stopServer(server: Server) {
  const exited = new Promise((resolve) => server.process.once("exit", resolve));
  server.process.kill("SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  if (server.process.exitCode === null) server.process.kill("SIGKILL");
  rmSync(server.dataDir, { recursive: true, force: true });
}

export const test = base.extend<
  { cspViolations: string[]; consoleErrors: string[] },
  { server: Server; receiver: Receiver }
>({
  server: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture signature
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await stopServer(server);
    },
    { scope: "worker", timeout: 90_000 },
  ],
  receiver: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture signature
    async ({}, use) => {
      const receiver = await startReceiver();
      await use(receiver);
      await receiver.close();
    },
    { scope: "worker" },
  ],
  baseURL: async ({ server }, use) => use(server.url),
  // Every page is served with the strict CSP, and any violation it reports fails the test.
  cspViolations: [
    async ({ context, page }, use) => {
      await context.route("**/*", async (route) => {
        if (route.request().resourceType() !== "document") return route.continue();
        const response = await route.fetch();
        await route.fulfill({
          response,
          headers: { ...response.headers(), "content-security-policy": STRICT_CSP },
        });
      });
      const violations: string[] = [];
      page.on("console", (message) => {
        if (message.text().includes("Content Security Policy")) violations.push(message.text());
      });
      // The browser's own report too: a violation whose error the page caught (zod's eval probe)
      // prints nothing, but still fires this event.
      await page.exposeFunction("__reportCspViolation", (text: string) => violations.push(text));
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          const report = (window as unknown as { __reportCspViolation: (text: string) => void })
            .__reportCspViolation;
          report(`securitypolicyviolation: ${event.violatedDirective} blocked ${event.blockedURI}`);
        });
      });
      await use(violations);
      expect(violations, "the page broke the Content-Security-Policy").toEqual([]);
    },
    { auto: true },
  ],
  // Console errors of the page (a failed request, an uncaught error): tests that promise a clean
  // console assert this list is empty.
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`${message.text()} (${message.location().url})`);
    });
    page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
    await use(errors);
  },
});

export { expect };

/** Axe on the page as it is now: no serious or critical accessibility violation. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} – ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(severe, `accessibility of ${what}`).toEqual([]);
}

let accounts = 0;
/** A fresh account's credentials; emails are unique per run. */
export function newAccount(name = "Ada Lovelace") {
  accounts += 1;
  return { name, email: `owner-${Date.now()}-${accounts}@example.com`, password: "correct horse battery" };
}

/** Signs up through the page, as an owner would, and lands on the overview. */
export async function signUp(page: Page, account: ReturnType<typeof newAccount>) {
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill(account.name);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
}

/**
 * A tRPC mutation with the page's session cookie (setup the dashboard has no page for yet, such as
 * funnel projects). No transformer: the body is the input as it is.
 */
export async function trpcMutation<T>(page: Page, procedure: string, input: unknown): Promise<T> {
  const response = await page.request.post(`/trpc/${procedure}`, {
    data: input,
    headers: { origin: new URL(page.url()).origin },
  });
  expect(response.ok(), `${procedure}: ${await response.text()}`).toBe(true);
  return ((await response.json()) as { result: { data: T } }).result.data;
}

/** One registration on a funnel page: the event that becomes a delivery to every enabled endpoint. */
export async function register(page: Page, projectId: string, email: string) {
  const response = await page.request.post("/api/contacts", {
    data: { projectId, email, name: "Grace Hopper", utm: { source: "newsletter" } },
  });
  expect(response.status(), await response.text()).toBe(201);
}

/** The toasts (Radix also repeats each one in a hidden live region for screen readers). */
export function toasts(page: Page) {
  return page.getByRole("region", { name: /Notifications/ });
}
