import path from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config";

const SECRET = "a-session-secret-of-at-least-32-characters";
const KEY = "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU=";
const OLD_KEY = "b2xkLXRlc3QtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=";

describe("loadConfig", () => {
  test("defaults to the embedded database under .genie on 127.0.0.1:3000", () => {
    expect(loadConfig({}, [])).toEqual({
      port: 3000,
      host: "127.0.0.1",
      role: "all",
      logLevel: "info",
      database: {
        kind: "pglite",
        dataDir: path.resolve(".genie"),
        encryption: { key: null, oldKeys: [] },
      },
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
      retentionDays: 30,
      http: {
        publicUrl: null,
        trustProxy: false,
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        keepAliveTimeoutMs: 72_000,
        bodyLimitBytes: 256 * 1024,
      },
      testSends: { perMinute: 20, concurrent: 3 },
      shutdownGraceMs: 10_000,
      metricsToken: null,
      mail: {
        mode: "files",
        dir: path.resolve(".genie", "mail"),
        from: "Genie <genie@localhost>",
        requireEmailVerification: false,
        alertsIntervalMs: 60_000,
      },
    });
  });

  test("reads the public URL as an origin", () => {
    expect(loadConfig({ GENIE_PUBLIC_URL: "https://Genie.Example.com/" }, []).http.publicUrl).toBe(
      "https://genie.example.com",
    );
  });

  test.each([
    ["", false],
    ["false", false],
    ["1", 1],
    ["2", 2],
    ["127.0.0.1", ["127.0.0.1"]],
    ["10.0.0.0/8, ::1,loopback", ["10.0.0.0/8", "::1", "loopback"]],
  ])("reads GENIE_TRUST_PROXY=%o as %o", (value, trust) => {
    expect(loadConfig({ GENIE_TRUST_PROXY: value }, []).http.trustProxy).toEqual(trust);
  });

  test.each([
    [{ GENIE_PUBLIC_URL: "genie.example.com" }, 'GENIE_PUBLIC_URL="genie.example.com" must be a URL'],
    [
      { GENIE_PUBLIC_URL: "https://genie.example.com/app" },
      "must be an origin only, like https://genie.example.com",
    ],
    [{ GENIE_PUBLIC_URL: "ftp://genie.example.com" }, "must be an http:// or https:// URL"],
    [{ GENIE_TRUST_PROXY: "true" }, 'GENIE_TRUST_PROXY="true" would believe any client\'s X-Forwarded-For'],
    [{ GENIE_TRUST_PROXY: "10.0.0.0/33" }, '"10.0.0.0/33" is neither a hop count'],
    [{ GENIE_TRUST_PROXY: "proxy.internal" }, '"proxy.internal" is neither a hop count'],
    [
      { GENIE_SSRF_ALLOW: "127.0.0.1:8080" },
      'GENIE_SSRF_ALLOW="127.0.0.1:8080" entry "127.0.0.1:8080" has a port: the allow-list takes hosts, addresses and CIDR ranges, every port of them (write "127.0.0.1")',
    ],
    [{ GENIE_SSRF_ALLOW: "localhost, [::1]:3000" }, 'entry "[::1]:3000" has a port'],
    [{ GENIE_SSRF_ALLOW: "not/a host" }, 'allow-list entry "not/a host" is neither a host name'],
    [
      { GENIE_REQUEST_TIMEOUT_MS: "5000", GENIE_HEADERS_TIMEOUT_MS: "10000" },
      "GENIE_HEADERS_TIMEOUT_MS=10000 must not exceed GENIE_REQUEST_TIMEOUT_MS=5000",
    ],
    [{ GENIE_BODY_LIMIT_BYTES: "10" }, 'GENIE_BODY_LIMIT_BYTES="10" must be at least 1024'],
  ])("refuses %o with one message naming the variable", (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(ConfigError);
    expect(() => loadConfig(env, [])).toThrow(message);
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
      {
        DATABASE_URL: "postgres://genie@db.internal:5432/genie",
        BETTER_AUTH_SECRET: SECRET,
        GENIE_ENCRYPTION_KEY: KEY,
        GENIE_ENCRYPTION_KEYS_OLD: `${OLD_KEY}, ${"ab".repeat(32)}`,
      },
      [],
    );
    expect(config.database).toEqual({
      kind: "postgres",
      url: "postgres://genie@db.internal:5432/genie",
      encryption: { key: KEY, oldKeys: [OLD_KEY, "ab".repeat(32)] },
    });
    expect(config.authSecret).toBe(SECRET);
  });

  test("requires BETTER_AUTH_SECRET with PostgreSQL, except for workers, who sign no sessions", () => {
    const env = { DATABASE_URL: "postgres://genie@db.internal:5432/genie", GENIE_ENCRYPTION_KEY: KEY };
    expect(() => loadConfig(env, [])).toThrow("BETTER_AUTH_SECRET must be set with DATABASE_URL");
    expect(() => loadConfig(env, ["--role", "api"])).toThrow(ConfigError);
    expect(loadConfig(env, ["--role", "worker"]).role).toBe("worker");
  });

  test("requires GENIE_ENCRYPTION_KEY with PostgreSQL, in every role", () => {
    const env = { DATABASE_URL: "postgres://genie@db.internal:5432/genie", BETTER_AUTH_SECRET: SECRET };
    for (const role of ["all", "api", "worker"]) {
      expect(() => loadConfig(env, ["--role", role])).toThrow(
        "GENIE_ENCRYPTION_KEY must be set with DATABASE_URL",
      );
    }
  });

  test("refuses an encryption key that is not 32 bytes, without printing it", () => {
    for (const env of [
      { GENIE_ENCRYPTION_KEY: "c2hvcnQta2V5" },
      { GENIE_ENCRYPTION_KEYS_OLD: `${OLD_KEY},c2hvcnQta2V5` },
    ]) {
      expect(() => loadConfig(env, [])).toThrow("must be 32 bytes in base64 (44 characters) or hex (64)");
      expect(() => loadConfig(env, [])).toThrow("=(hidden)");
      expect(() => loadConfig(env, [])).not.toThrow("c2hvcnQta2V5");
    }
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
