import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_ENCRYPTION_KEY, type TestDatabaseSpace } from "./databases";

const SERVER_DIR = fileURLToPath(new URL("../..", import.meta.url));

export type ServerProcess = {
  child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
};

/** Session secret of spawned servers: PostgreSQL mode requires one (see loadConfig). */
export const TEST_AUTH_SECRET = "test-only-session-secret-of-32-characters-or-more";

/**
 * Starts `src/main.ts` the way `pnpm start` does (or another script of the server package, for
 * benchmark baselines), in its own process, with the given environment.
 */
export function startServer(
  env: Record<string, string>,
  args: string[] = [],
  script = "src/main.ts",
  /** Flags for node itself (`--cpu-prof`, which NODE_OPTIONS does not take). */
  nodeFlags: string[] = [],
): ServerProcess {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", script, ...args], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      DATABASE_URL: "",
      BETTER_AUTH_SECRET: TEST_AUTH_SECRET,
      // PostgreSQL requires a key; the embedded database makes its own in the data folder, which the
      // test's own openDatabase of that folder then reads too.
      ...(env.DATABASE_URL && { GENIE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return { child, output: () => output, exited };
}

/** Waits (bounded) until the server prints the address it listens on, and returns it. */
export async function waitForListening(server: ServerProcess, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/\S+)/.exec(server.output());
    if (match?.[1]) return match[1];
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not start within ${timeoutMs} ms:\n${server.output()}`);
}

/**
 * Environment for a Genie process of a test: its database, loopback receivers allowed, short timeouts
 * (each overridable).
 */
export function genieEnv(
  space: TestDatabaseSpace,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    ...(space.config.kind === "postgres"
      ? { DATABASE_URL: space.config.url }
      : { GENIE_DATA_DIR: space.config.dataDir }),
    PORT: "0",
    GENIE_SSRF_ALLOW: "127.0.0.1",
    GENIE_DELIVERY_TIMEOUT_MS: "1000",
    GENIE_POLL_INTERVAL_MS: "100",
    GENIE_RATE_LIMIT_PER_CLIENT: "100000",
    ...overrides,
  };
}

/** POSTs a registration to a running server; returns the contact id (throws unless 201). */
export async function postRegistration(apiUrl: string, body: unknown): Promise<string> {
  const response = await fetch(`${apiUrl}/api/contacts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201)
    throw new Error(`registration answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** Stops a server with SIGTERM (graceful) and waits for it to exit; a no-op once it has. */
export async function stopProcess(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill("SIGTERM");
  await server.exited;
}
