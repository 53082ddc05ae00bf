import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_ENCRYPTION_KEY } from "./databases";

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
): ServerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
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
