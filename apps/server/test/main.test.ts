import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, onTestFinished, test } from "vitest";
import { openDatabase } from "../src/db";
import { readMigrations } from "../src/db/migrate";
import { startServer, waitForListening } from "./support/process";

describe("the server process", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "genie-main-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("starts on the embedded database, answers /healthz, stops on SIGTERM and reuses its data", async () => {
    const first = startServer({ GENIE_DATA_DIR: dataDir, PORT: "0" });
    onTestFinished(() => void first.child.kill("SIGKILL"));
    const url = await waitForListening(first);
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      database: {
        mode: "pglite",
        migrations: { current: true, applied: readMigrations().length, pending: [] },
      },
    });
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    // Data written between two starts is still there after the second one.
    const db = await openDatabase({ kind: "pglite", dataDir });
    await db.prisma.user.create({ data: { name: "Kept", email: "kept@example.com" } });
    await db.close();

    const second = startServer({ GENIE_DATA_DIR: dataDir, PORT: "0" });
    await waitForListening(second);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);

    const reopened = await openDatabase({ kind: "pglite", dataDir });
    expect(await reopened.prisma.user.count({ where: { email: "kept@example.com" } })).toBe(1);
    await reopened.close();
  }, 60_000);

  test("refuses a second process on the same data folder with a clear message", async () => {
    const holder = startServer({ GENIE_DATA_DIR: dataDir, PORT: "0" });
    onTestFinished(() => void holder.child.kill("SIGKILL"));
    await waitForListening(holder);
    const intruder = startServer({ GENIE_DATA_DIR: dataDir, PORT: "0" });
    expect(await intruder.exited).toBe(1);
    expect(intruder.output().trim()).toMatch(
      new RegExp(
        `^genie: cannot open the embedded database in .*: another Genie process \\(pid ${holder.child.pid}\\)`,
      ),
    );
    holder.child.kill("SIGTERM");
    expect(await holder.exited).toBe(0);
  }, 60_000);

  test.each([
    [{ PORT: "abc" }, 'genie: invalid configuration: PORT="abc" must be a port number'],
    [
      { DATABASE_URL: "postgres://genie@127.0.0.1:1/genie" },
      "genie: cannot open PostgreSQL at 127.0.0.1:1/genie: ECONNREFUSED",
    ],
    [
      { DATABASE_URL: "postgres://genie@127.0.0.1:1/genie", BETTER_AUTH_SECRET: "" },
      "genie: invalid configuration: BETTER_AUTH_SECRET must be set with DATABASE_URL",
    ],
    [
      { GENIE_SSRF_ALLOW: "127.0.0.1:8080" },
      'genie: invalid configuration: GENIE_SSRF_ALLOW="127.0.0.1:8080" entry "127.0.0.1:8080" has a port',
    ],
  ])(
    "exits 1 with one clear line when started with %o",
    async (env, message) => {
      const server = startServer(env);
      expect(await server.exited).toBe(1);
      const lines = server.output().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(message);
    },
    30_000,
  );
});
