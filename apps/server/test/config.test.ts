import path from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config";

const SECRET = "a-session-secret-of-at-least-32-characters";

describe("loadConfig", () => {
  test("defaults to the embedded database under .genie on 127.0.0.1:3000", () => {
    expect(loadConfig({}, [])).toEqual({
      port: 3000,
      host: "127.0.0.1",
      role: "all",
      logLevel: "info",
      database: { kind: "pglite", dataDir: path.resolve(".genie") },
      authSecret: null,
      rateLimits: { perClientPerMinute: 120, perProjectPerMinute: 6000 },
      delivery: {
        ssrfAllow: [],
        timeoutMs: 30_000,
        maxInFlight: 128,
        maxInFlightPerEndpoint: 32,
        pollIntervalMs: 1000,
        takeoverIntervalMs: 1000,
      },
      autoDisableAfterMs: 72 * 3_600_000,
    });
  });

  test("reads the SSRF allow-list as a comma-separated list of hosts and CIDRs", () => {
    expect(loadConfig({ GENIE_SSRF_ALLOW: "127.0.0.1, ::1,10.0.0.0/8" }, []).delivery.ssrfAllow).toEqual([
      "127.0.0.1",
      "::1",
      "10.0.0.0/8",
    ]);
  });

  test("uses PostgreSQL when DATABASE_URL is set", () => {
    const config = loadConfig(
      { DATABASE_URL: "postgres://genie@db.internal:5432/genie", BETTER_AUTH_SECRET: SECRET },
      [],
    );
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://genie@db.internal:5432/genie" });
    expect(config.authSecret).toBe(SECRET);
  });

  test("requires BETTER_AUTH_SECRET with PostgreSQL, except for workers, who sign no sessions", () => {
    const env = { DATABASE_URL: "postgres://genie@db.internal:5432/genie" };
    expect(() => loadConfig(env, [])).toThrow("BETTER_AUTH_SECRET must be set with DATABASE_URL");
    expect(() => loadConfig(env, ["--role", "api"])).toThrow(ConfigError);
    expect(loadConfig(env, ["--role", "worker"]).role).toBe("worker");
  });

  test("never prints a secret it rejects", () => {
    const env = { BETTER_AUTH_SECRET: "hunter2-too-short", DATABASE_URL: "http://user:pw@x" };
    let message = "";
    try {
      loadConfig(env, []);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("BETTER_AUTH_SECRET=(hidden) must be at least 32 characters");
    expect(message).toContain("DATABASE_URL=(hidden)");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("pw@");
  });

  test("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" }, []).database.kind).toBe("pglite");
  });

  test.each([
    [{ PORT: "abc" }, 'PORT="abc" must be a port number'],
    [{ PORT: "70000" }, 'PORT="70000" must be between 0 and 65535'],
    [{ PORT: "3.5" }, 'PORT="3.5" must be a whole number'],
    [{ DATABASE_URL: "mysql://x/y" }, "DATABASE_URL=(hidden) must be a postgres:// or postgresql:// URL"],
    [{ LOG_LEVEL: "loud" }, 'LOG_LEVEL="loud"'],
    [{ GENIE_DELIVERY_TIMEOUT_MS: "5" }, 'GENIE_DELIVERY_TIMEOUT_MS="5" must be at least 100'],
  ])("rejects %o with a message naming the variable", (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(ConfigError);
    expect(() => loadConfig(env, [])).toThrow(message);
  });

  test("rejects an unknown role or flag", () => {
    expect(() => loadConfig({}, ["--role", "boss"])).toThrow(
      '--role must be one of all, api, worker, got "boss"',
    );
    expect(() => loadConfig({}, ["--verbose"])).toThrow(ConfigError);
  });
});
