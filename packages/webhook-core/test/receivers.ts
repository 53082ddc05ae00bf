// Starts an example receiver as its own process and sends it the requests a receiver must tell apart.
// Shared by the test suite (examples.test.ts) and by scripts/pack-check.sh, which runs the examples
// against the packed tarball; so it imports the package by name, like the examples do.
// Only 127.0.0.1 is ever contacted, and every wait has a deadline.
import { type ChildProcess, spawn } from "node:child_process";
import { signWebhook } from "@genie/webhook-core";

export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** The secret that replaces SECRET in a rotation; during one, Genie signs with both. */
const NEXT_SECRET = "whsec_bmV4dC1zZWNyZXQtbmV4dC1zZWNyZXQtbmV4dA==";
export const STRANGER = "whsec_c3RyYW5nZXItc3RyYW5nZXItc3RyYW5nZXItc3Ry";
const BODY = JSON.stringify({
  event: "registration.submitted",
  timestamp: "2026-11-29T10:00:00.000Z",
  data: { email: "ada@example.com", name: "Ada Lovelace" },
});

export type Scenario = {
  name: string;
  /** The `webhook-id` sent, so the receiver's log can be checked for it. */
  id: string;
  request(): { body: string; headers: Record<string, string> };
  expected: { status: number; reason?: string };
};

const signed = (id: string, overrides: Partial<Parameters<typeof signWebhook>[0]> = {}) => ({
  body: BODY,
  headers: signWebhook({ id, body: BODY, secrets: SECRET, ...overrides }),
});

/** `signed`, with one header replaced. */
const withHeader = (id: string, name: string, value: string) => {
  const { body, headers } = signed(id);
  return { body, headers: { ...headers, [name]: value } };
};

const accepted = { status: 204 };
const now = () => Math.floor(Date.now() / 1000);

// Requests that every receiver must answer alike, whichever signature scheme it checks.
const valid: Scenario = {
  name: "accepts a signed registration with 204",
  id: "msg_valid",
  request: () => signed("msg_valid"),
  expected: accepted,
};
const rotated: Scenario = {
  name: "accepts a request of a secret rotation, which carries two signatures per header",
  id: "msg_rotated",
  request: () => signed("msg_rotated", { secrets: [NEXT_SECRET, SECRET] }),
  expected: accepted,
};
const tampered: Scenario = {
  name: "answers 400 no-matching-signature to a tampered body",
  id: "msg_tampered",
  request: () => ({ ...signed("msg_tampered"), body: BODY.replace("Ada Lovelace", "Mallory") }),
  expected: { status: 400, reason: "no-matching-signature" },
};
const wrongSecret: Scenario = {
  name: "answers 400 no-matching-signature to a request signed with another secret",
  id: "msg_stranger",
  request: () => signed("msg_stranger", { secrets: STRANGER }),
  expected: { status: 400, reason: "no-matching-signature" },
};
const unsigned: Scenario = {
  name: "answers 400 missing-header to an unsigned request",
  id: "msg_unsigned",
  request: () => ({ body: BODY, headers: { "webhook-id": "msg_unsigned" } }),
  expected: { status: 400, reason: "missing-header" },
};
const ownFailure: Scenario = {
  name: "answers 500 when its own handling fails (a signed body that is not JSON), so Genie retries",
  id: "msg_not_json",
  request: () => {
    const body = "this is not JSON";
    return { body, headers: signWebhook({ id: "msg_not_json", body, secrets: SECRET }) };
  },
  expected: { status: 500 },
};

/** A signed request whose signature header `name` is replaced with garbage. */
const malformed = (name: string, garbage: string): Scenario => ({
  name: `answers 400 invalid-header to a malformed ${name}`,
  id: "msg_malformed",
  request: () => withHeader("msg_malformed", name, garbage),
  expected: { status: 400, reason: "invalid-header" },
});

/** What every receiver of the Standard Webhooks headers must do (node-http, express, fastify, fetch). */
export const STANDARD_SCENARIOS: Scenario[] = [
  valid,
  rotated,
  tampered,
  {
    name: "answers 400 timestamp-too-old to a request signed ten minutes ago",
    id: "msg_stale",
    request: () => signed("msg_stale", { timestamp: now() - 600 }),
    expected: { status: 400, reason: "timestamp-too-old" },
  },
  wrongSecret,
  malformed("webhook-signature", "sha256=not-a-signature"),
  unsigned,
  ownFailure,
];

/** What the receiver of the original hex scheme (examples/hex.ts) must do. */
export const HEX_SCENARIOS: Scenario[] = [
  valid,
  rotated,
  {
    name: "accepts a signature in uppercase hex",
    id: "msg_uppercase",
    request: () => {
      const { body, headers } = signed("msg_uppercase");
      const upper = String(headers["x-webhook-signature"]).toUpperCase();
      return { body, headers: { ...headers, "x-webhook-signature": upper } };
    },
    expected: accepted,
  },
  {
    name: "accepts a request signed an hour ago: the hex scheme cannot refuse a replay",
    id: "msg_replayed",
    request: () => signed("msg_replayed", { timestamp: now() - 3600 }),
    expected: accepted,
  },
  tampered,
  wrongSecret,
  malformed("x-webhook-signature", "sha256=abc"),
  unsigned,
  ownFailure,
];

/** Each example receiver and the requests it is tried with. */
export const RECEIVERS: Record<string, Scenario[]> = {
  "node-http.ts": STANDARD_SCENARIOS,
  "express.ts": STANDARD_SCENARIOS,
  "fastify.ts": STANDARD_SCENARIOS,
  "fetch.ts": STANDARD_SCENARIOS,
  "hex.ts": HEX_SCENARIOS,
};

/** The ids a receiver must have handled after these scenarios: those it accepted, nothing else. */
export const handledIds = (scenarios: readonly Scenario[]) =>
  scenarios.filter((s) => s.expected.status === 204).map((s) => s.id);

export type Answer = { status: number; reason: string | undefined };

/** The answer a receiver must give to a scenario's request. */
export const expectedAnswer = (scenario: Scenario): Answer => ({
  status: scenario.expected.status,
  reason: scenario.expected.reason,
});

export async function send(url: string, scenario: Scenario): Promise<Answer> {
  const { body, headers } = scenario.request();
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const reason = response.status === 400 ? (JSON.parse(text) as { error?: string }).error : undefined;
  return { status: response.status, reason };
}

export type RunningExample = {
  /** The webhook URL it printed, on 127.0.0.1. */
  url: string;
  /** The `webhook-id`s it logged as handled so far. */
  handled(): string[];
  /** Waits (up to `ms`) until it logged every one of `ids`; returns what it handled by then. */
  waitForHandled(ids: readonly string[], ms?: number): Promise<string[]>;
  stop(): Promise<void>;
};

/**
 * Starts an example receiver with the test secret and resolves once it prints its URL. `cwd` must be
 * where `tsx` and the example's imports resolve.
 */
export function startExample(file: string, cwd: string, timeoutMs = 20_000): Promise<RunningExample> {
  const { child, output } = spawnExample(file, cwd, [], SECRET);
  const handled = () => [...output().stdout.matchAll(/^received (\S+)/gm)].map((m) => m[1] as string);
  const running: RunningExample = {
    url: "",
    handled,
    async waitForHandled(ids, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline && !ids.every((id) => handled().includes(id))) await sleep(20);
      return handled();
    },
    stop: () => stop(child),
  };
  return new Promise((resolve, reject) => {
    const settle = () => {
      clearInterval(poll);
      clearTimeout(timer);
      child.off("exit", exited);
    };
    const fail = (why: string) => {
      settle();
      void stop(child);
      const { stdout, stderr } = output();
      reject(new Error(`${file} ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
    };
    const exited = (code: number | null) => fail(`exited with ${code} before listening`);
    child.once("exit", exited);
    const timer = setTimeout(() => fail(`printed no URL within ${timeoutMs} ms`), timeoutMs);
    const poll = setInterval(() => {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(output().stdout)?.[1];
      if (url === undefined) return;
      settle();
      resolve({ ...running, url });
    }, 20);
  });
}

/** Runs an example that ends by itself (send-test-webhook.ts) to its end, killing it after `timeoutMs`. */
export function runExample(
  file: string,
  cwd: string,
  options: { args?: string[]; secret?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child, output } = spawnExample(file, cwd, options.args ?? [], options.secret ?? SECRET);
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, ...output() });
    });
  });
}

/** `node --import tsx <file> …args`, listening (if it does) on 127.0.0.1 at a port the OS picks. */
function spawnExample(file: string, cwd: string, args: string[], secret: string) {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd,
    env: { ...process.env, GENIE_WEBHOOK_SECRET: secret, HOST: "127.0.0.1", PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  return { child, output: () => ({ stdout, stderr }) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
