// Support for form-sdk.spec.ts: a Genie process of the spec's own (it is stopped and started again
// on the same port and data), funnel pages on other loopback origins, and API calls as the owner.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type APIRequestContext, expect, request } from "@playwright/test";

const SERVER_MAIN = fileURLToPath(new URL("../../server/src/main.ts", import.meta.url));
const TSX_CLI = createRequire(SERVER_MAIN).resolve("tsx/cli");
const FORM_SDK = fileURLToPath(new URL("../../../packages/form-sdk", import.meta.url));

/** Builds the form SDK's browser files when they are missing (CI builds them before the tests). */
export function ensureSdkBuilt() {
  if (existsSync(path.join(FORM_SDK, "dist/browser/genie-form.js"))) return;
  execFileSync("pnpm", ["run", "build"], { cwd: FORM_SDK, stdio: "inherit" });
}

/** A Genie server process on a fresh embedded database; `stop()` and `start()` keep its port and data. */
export async function startGenie() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "genie-e2e-sdk-"));
  let child: ChildProcess | undefined;
  let port = 0;

  const start = async () => {
    const proc = spawn(process.execPath, [TSX_CLI, SERVER_MAIN], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        GENIE_DATA_DIR: dataDir,
        GENIE_SSRF_ALLOW: "127.0.0.1",
        GENIE_POLL_INTERVAL_MS: "200",
        LOG_LEVEL: "warn",
        DATABASE_URL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Genie did not start in 60 s:\n${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[\d.]+:(\d+))/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          port = Number(match[2]);
          resolve(match[1]);
        }
      };
      proc.stdout?.on("data", read);
      proc.stderr?.on("data", read);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Genie exited with ${code}:\n${output}`));
      });
    });
    return url;
  };

  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  };

  const url = await start();
  return {
    url,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An HTTP server on its own loopback port (another origin than Genie's) answering `pages[path]`. */
export async function startFunnelSite(
  pages: Map<string, { html: string; headers?: Record<string, string> }>,
) {
  const server: Server = createServer((req, res) => {
    const page = pages.get((req.url ?? "/").split("?")[0] ?? "/");
    if (!page) return res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...page.headers }).end(page.html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A funnel page: the marketer's HTML around the snippet or their own form. */
export const funnelPage = (title: string, body: string, head = "") =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body><main><h1>${title}</h1>${body}</main></body></html>`;

/** The owner's API session: sign-up, tRPC mutations and queries with the session cookie. */
export async function ownerApi(genieUrl: string) {
  const api: APIRequestContext = await request.newContext({
    baseURL: genieUrl,
    extraHTTPHeaders: { origin: genieUrl },
  });
  const email = `sdk-owner-${Date.now()}@example.com`;
  const signUp = await api.post("/api/auth/sign-up/email", {
    data: { name: "Marketer", email, password: "correct horse battery" },
  });
  expect(signUp.ok(), await signUp.text()).toBe(true);
  return {
    async mutation<T>(procedure: string, input: unknown): Promise<T> {
      const response = await api.post(`/trpc/${procedure}`, { data: input });
      expect(response.ok(), `${procedure}: ${await response.text()}`).toBe(true);
      return ((await response.json()) as { result: { data: T } }).result.data;
    },
    async query<T>(procedure: string, input: unknown): Promise<T> {
      const response = await api.get(`/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`);
      expect(response.ok(), `${procedure}: ${await response.text()}`).toBe(true);
      return ((await response.json()) as { result: { data: T } }).result.data;
    },
    dispose: () => api.dispose(),
  };
}

export type ContactItem = {
  id: string;
  email: string;
  name: string | null;
  phone: string | null;
  consent: { given: boolean; text: string; at: string } | null;
  visitorId: string | null;
  referrer: string | null;
  pageUrl: string | null;
  landingPage: string | null;
  utm: Record<string, string | null>;
  firstTouch: {
    utm: Record<string, string | null>;
    landingPage: string | null;
    referrer: string | null;
    at: string | null;
  } | null;
  customFields: Record<string, unknown>;
};
