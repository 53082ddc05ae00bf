// Measures what a Genie process holds in memory: starts it (compiled, as `pnpm start` runs it, or from
// source through tsx as the releases before the compiled server did), waits for /healthz, sends a
// burst of requests, and reads /proc/<pid>/status after the start, right after the burst and after
// 30 s idle. Prints one row per reading: the listening process's resident memory (VmRSS), its peak
// (VmHWM), and the whole process tree's (a tsx wrapper included).
//
// Usage: node scripts/memory.mjs [--database pglite|postgres] [--runner build|source] [--idle 30]
//                              [--node-flags=--max-semi-space-size=4]
//   postgres needs PostgreSQL at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
//   a fresh database is created there and dropped at the end. `--runner build` needs `pnpm build` first
//   (`pnpm start` does it). Every request goes to 127.0.0.1; the burst is bounded (300 requests).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    database: { type: "string", default: "pglite" },
    runner: { type: "string", default: "build" },
    idle: { type: "string", default: "30" },
    burst: { type: "string", default: "300" },
    // V8 flags for the build runner. @default those of `pnpm start` (the root package.json)
    "node-flags": { type: "string" },
  },
});
const idleSeconds = Number(values.idle);
const burstSize = Number(values.burst);
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const dataDir = mkdtempSync(path.join(tmpdir(), "genie-memory-"));
const env = {
  ...process.env,
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: "warn",
  GENIE_DATA_DIR: dataDir,
  DATABASE_URL: "",
  BETTER_AUTH_SECRET: "memory-script-session-secret-of-32-characters",
};
let database = null;
if (values.database === "postgres") {
  database = `genie_memory_${process.pid}`;
  await admin(`CREATE DATABASE "${database}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  env.DATABASE_URL = url.toString();
  env.GENIE_ENCRYPTION_KEY = "bWVtb3J5LXNjcmlwdC1lbmNyeXB0aW9uLWtleS0zMmI=";
}

const startScript = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts.start;
const nodeFlags =
  values["node-flags"] ?? /node ((?:--\S+ )*)apps\/server\/dist\/main\.mjs/.exec(startScript)?.[1] ?? "";
const command =
  values.runner === "source"
    ? [path.join(root, "node_modules/.bin/tsx"), ["apps/server/src/main.ts"]]
    : [process.execPath, [...nodeFlags.split(" ").filter(Boolean), "apps/server/dist/main.mjs"]];
const child = spawn(command[0], command[1], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
let output = "";
child.stdout.on("data", (chunk) => (output += chunk));
child.stderr.on("data", (chunk) => (output += chunk));

try {
  const baseUrl = await listening();
  await waitHealthy(baseUrl);
  const rows = [["after start", readings()]];
  await burst(baseUrl);
  rows.push([`after ${burstSize} requests`, readings()]);
  await sleep(idleSeconds * 1000);
  rows.push([`after ${idleSeconds} s idle`, readings()]);
  console.log(`genie memory: database ${values.database}, runner ${values.runner} (${command[1].join(" ")})`);
  console.log("| when | server VmRSS | server VmHWM | tree RSS | processes |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [when, r] of rows) {
    console.log(`| ${when} | ${mib(r.server.rss)} | ${mib(r.server.hwm)} | ${mib(r.treeRss)} | ${r.count} |`);
  }
} catch (error) {
  console.error(`memory: ${error.message}\n${output}`);
  process.exitCode = 1;
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
  rmSync(dataDir, { recursive: true, force: true });
  if (database) await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}

async function admin(sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function listening() {
  for (let i = 0; i < 1200; i++) {
    const match = /listening on (http:\/\/\S+)/.exec(output);
    if (match) return match[1];
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error("the server did not start");
}

async function waitHealthy(baseUrl) {
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${baseUrl}/healthz`).catch(() => null);
    if (response?.ok) return;
    await sleep(100);
  }
  throw new Error("/healthz never answered ok");
}

/**
 * What a visitor, a browser and a dashboard do: registrations (refused: no such project, after the
 * schema check and a database lookup), tRPC health queries, and the dashboard's page, 10 at a time.
 */
async function burst(baseUrl) {
  const registration = JSON.stringify({
    email: "visitor@example.com",
    name: "Visitor",
    projectId: "6c1d3b2e-8f6a-4c55-9d1e-2f4a5b6c7d8e",
  });
  const requests = Array.from({ length: burstSize }, (_, i) => () => {
    if (i % 3 === 0) {
      return fetch(`${baseUrl}/api/contacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: registration,
      });
    }
    if (i % 3 === 1) return fetch(`${baseUrl}/trpc/system.health`);
    return fetch(`${baseUrl}/`, { headers: { accept: "text/html" } });
  });
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const response = await requests[next++]();
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}

/**
 * The listening process is the deepest one running main.ts or main.mjs: tsx runs the server in a
 * child of its own (and an esbuild service beside it).
 */
function readings() {
  const pids = treeOf(child.pid);
  const statuses = pids.map((pid) => ({ pid, ...status(pid) })).filter((s) => s.rss !== undefined);
  const server = statuses.filter((s) => /main\.(ts|mjs)/.test(s.cmdline)).at(-1) ?? { rss: 0, hwm: 0 };
  return { server, treeRss: statuses.reduce((sum, s) => sum + s.rss, 0), count: statuses.length };
}

function treeOf(pid) {
  const children = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (list) children.push(...list.split(/\s+/).map(Number));
    }
  } catch {}
  return [pid, ...children.flatMap(treeOf)];
}

function status(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    return { rss: kib("VmRSS"), hwm: kib("VmHWM"), cmdline };
  } catch {
    return {};
  }
}

function mib(kib) {
  return `${(kib / 1024).toFixed(0)} MiB`;
}
