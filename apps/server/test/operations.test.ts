import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createTestDatabaseSpace, isModeAvailable, TEST_DATABASE_URL } from "./support/databases";
import { type ServerProcess, startServer, waitForListening } from "./support/process";
import { waitFor } from "./support/receiver";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "genie-ops-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function started(server: ServerProcess): ServerProcess {
  cleanups.push(() => server.child.kill("SIGKILL"));
  return server;
}

/** Every file and folder under `dir` (itself included) whose mode is not private to the user. */
function notPrivate(dir: string): string[] {
  const found: string[] = [];
  const visit = (file: string) => {
    const stat = statSync(file);
    const mode = stat.mode & 0o777;
    if (mode !== (stat.isDirectory() ? 0o700 : 0o600)) found.push(`${file} ${mode.toString(8)}`);
    if (stat.isDirectory()) for (const entry of readdirSync(file)) visit(path.join(file, entry));
  };
  visit(dir);
  return found;
}

describe("the data folder", () => {
  test("is private to its user (folders 0700, files 0600) whatever the umask, even one made before", async () => {
    const dataDir = path.join(tempDir(), "data");
    // A folder left by an older Genie under umask 022.
    mkdirSync(dataDir, { mode: 0o755 });
    writeFileSync(path.join(dataDir, "auth-secret"), "an-older-session-secret-of-32-characters\n", {
      mode: 0o644,
    });
    const server = started(startServer({ GENIE_DATA_DIR: dataDir, PORT: "0" }));
    const url = await waitForListening(server);
    // Something written while it runs, too.
    expect((await fetch(`${url}/api/auth/sign-up/email`, signUp(url, "modes@example.com"))).status).toBe(200);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(readdirSync(dataDir).sort()).toEqual(["auth-secret", "encryption-key", "pglite"]);
    expect(notPrivate(dataDir)).toEqual([]);
  }, 60_000);
});

function signUp(url: string, email: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ name: "Owner", email, password: "correct horse battery" }),
  };
}

describe("request logs", () => {
  test("a tRPC query with an email in its input leaves no email in the log, but its procedure, status and time", async () => {
    const server = started(startServer({ GENIE_DATA_DIR: tempDir(), PORT: "0", LOG_LEVEL: "info" }));
    const url = await waitForListening(server);
    const signedUp = await fetch(`${url}/api/auth/sign-up/email`, signUp(url, "owner.logs@example.com"));
    const cookie = signedUp.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const input = encodeURIComponent(JSON.stringify({ contactEmail: "private.person@example.com" }));
    const logs = await fetch(`${url}/trpc/logs.list?input=${input}`, { headers: { cookie } });
    expect(logs.status).toBe(200);
    const search = encodeURIComponent(JSON.stringify({ search: "other.person@example.com" }));
    expect((await fetch(`${url}/trpc/contacts.list?input=${search}`, { headers: { cookie } })).status).toBe(
      200,
    );
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    const output = server.output();
    for (const email of ["private.person", "other.person", "owner.logs", "%40example.com", "@example.com"]) {
      expect(output).not.toContain(email);
    }
    const lines = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map(
        (line) =>
          JSON.parse(line) as { req?: { url: string }; res?: { statusCode: number }; responseTime?: number },
      );
    expect(lines.map((line) => line.req?.url).filter(Boolean)).toContain("/trpc/logs.list");
    const completed = lines.filter((line) => line.res?.statusCode === 200 && line.responseTime !== undefined);
    expect(completed.length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe("startup failures", () => {
  /** Starts a server that must fail, and returns the one line it printed. */
  async function failure(env: Record<string, string>): Promise<string> {
    const server = started(startServer({ PORT: "0", ...env }));
    expect(await server.exited).toBe(1);
    const lines = server.output().trim().split("\n");
    expect(lines, server.output()).toHaveLength(1);
    return lines[0] ?? "";
  }

  test("a file where the data folder should be: one line that says what to do", async () => {
    const file = path.join(tempDir(), "data");
    writeFileSync(file, "not a folder");
    expect(await failure({ GENIE_DATA_DIR: file })).toBe(
      `genie: cannot open the embedded database in ${file}: a file is in the way of the data folder: move it or set GENIE_DATA_DIR (EEXIST)`,
    );
  });

  test("a port another program listens on: one line that says what to do, and the data folder is left usable", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = String((taken.address() as { port: number }).port);
    const dataDir = tempDir();
    expect(await failure({ GENIE_DATA_DIR: dataDir, PORT: port })).toBe(
      `genie: cannot listen on 127.0.0.1:${port}: the port is in use by another program; stop it or set PORT`,
    );
    const next = started(startServer({ GENIE_DATA_DIR: dataDir, PORT: "0" }));
    await waitForListening(next);
    next.child.kill("SIGTERM");
    expect(await next.exited).toBe(0);
  });

  const isRoot = process.getuid?.() === 0;
  /** A small tmpfs (a disk of its own), unmounted at the end. Needs root, as CI and sessions have. */
  function mountTmpfs(options: string): string {
    const dir = tempDir();
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
    cleanups.push(() => execFileSync("umount", [dir]));
    return dir;
  }

  test.skipIf(!isRoot)(
    "a read-only disk (a read-only tmpfs; needs root): one line, for a new data folder and an existing one",
    async () => {
      const disk = mountTmpfs("size=1m");
      mkdirSync(path.join(disk, "existing"), { mode: 0o700 });
      execFileSync("mount", ["-o", "remount,ro", disk]);
      for (const name of ["new", "existing"]) {
        const dataDir = path.join(disk, name);
        expect(await failure({ GENIE_DATA_DIR: dataDir })).toBe(
          `genie: cannot open the embedded database in ${dataDir}: the disk is read-only: set GENIE_DATA_DIR to a folder on a writable disk (EROFS)`,
        );
      }
    },
  );

  test.skipIf(!isRoot)(
    "a disk that fills up during the first start (a 3 MB tmpfs; needs root): one line, and a start after space is freed succeeds",
    async () => {
      const disk = mountTmpfs("size=3m");
      const dataDir = path.join(disk, "data");
      expect(await failure({ GENIE_DATA_DIR: dataDir })).toMatch(
        new RegExp(
          `^genie: cannot open the embedded database in ${dataDir}: the disk is full \\(\\d+ MiB free\\): free some space and start again$`,
        ),
      );
      execFileSync("mount", ["-o", "remount,size=200m", disk]);
      const retried = started(startServer({ GENIE_DATA_DIR: dataDir, PORT: "0" }));
      const url = await waitForListening(retried);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      retried.child.kill("SIGTERM");
      expect(await retried.exited).toBe(0);
    },
    90_000,
  );
});

/** A TCP proxy on loopback to the test PostgreSQL server, which the test can cut and restore. */
async function startProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer((client) => {
        const db = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, db]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => {
            client.destroy();
            db.destroy();
          });
        }
        client.pipe(db).pipe(client);
      });
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => {
        port = (listening.address() as AddressInfo).port;
        resolve();
      });
      server = listening;
    });
  await listen();
  return {
    port: () => port,
    /** Refuses new connections and drops open ones: the database is unreachable. */
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server?.close(() => resolve());
      }),
    restore: listen,
  };
}

describe("/healthz", () => {
  test.skipIf(!isModeAvailable("postgres"))(
    "answers 503 degraded while the database is unreachable, without connection details, and 200 ok again after",
    async () => {
      const space = await createTestDatabaseSpace("postgres");
      cleanups.push(() => space.remove());
      const target = new URL(TEST_DATABASE_URL as string);
      const proxy = await startProxy(target);
      cleanups.push(() => proxy.cut());
      const url = new URL(space.config.kind === "postgres" ? space.config.url : "");
      url.hostname = "127.0.0.1";
      url.port = String(proxy.port());
      const server = started(startServer({ DATABASE_URL: url.toString(), PORT: "0", LOG_LEVEL: "silent" }));
      const api = await waitForListening(server);

      const healthy = await fetch(`${api}/healthz`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toMatchObject({ status: "ok" });

      await proxy.cut();
      const down = await fetch(`${api}/healthz`);
      expect(down.status).toBe(503);
      const text = await down.text();
      expect(JSON.parse(text)).toMatchObject({ status: "degraded", reason: "the database is unreachable" });
      for (const detail of [String(proxy.port()), "127.0.0.1", "ECONNREFUSED", "genie_test", "5432"]) {
        expect(text).not.toContain(detail);
      }

      await proxy.restore();
      const back = await waitFor(
        async () => {
          const response = await fetch(`${api}/healthz`);
          return response.status === 200 ? response : undefined;
        },
        20_000,
        "/healthz to answer 200 again",
      );
      expect(await back.json()).toMatchObject({ status: "ok" });
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    },
    60_000,
  );
});
