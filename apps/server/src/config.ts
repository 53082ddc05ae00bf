import path from "node:path";
import { parseArgs } from "node:util";
import { assertUrlAllowed } from "@genie/webhook-core";
import { z } from "zod";
import { publicUrlProblem, type TrustProxy, trustProxyOf } from "./settings/http";

/** Which parts of Genie a process runs: the HTTP API, the delivery worker, or both. */
export const ROLES = ["all", "api", "worker"] as const;
export type Role = (typeof ROLES)[number];

/** 32 bytes: base64 (as `openssl rand -base64 32` prints) or hex. db/encryption.ts checks the bytes. */
const ENCRYPTION_KEY = /^(?:[A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/;
const ENCRYPTION_KEY_RULE = "must be 32 bytes in base64 (44 characters) or hex (64)";
/** `genie@example.com` or `Genie <genie@example.com>`: one sender, no header tricks (no CR/LF). */
const MAIL_FROM = /^(?:[^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;

const envSchema = z.object({
  PORT: z.coerce
    .number({ error: "must be a port number" })
    .int("must be a whole number")
    .min(0, "must be between 0 and 65535")
    .max(65535, "must be between 0 and 65535")
    .default(3000),
  HOST: z.string().min(1, "must not be empty").default("127.0.0.1"),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" })
    .optional(),
  GENIE_DATA_DIR: z.string().min(1, "must not be empty").default(".genie"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GENIE_SSRF_ALLOW: z
    .string()
    .default("")
    .transform((list, ctx) => {
      const entries = list
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean);
      for (const entry of entries) {
        const problem = allowEntryProblem(entry);
        if (problem) ctx.issues.push({ code: "custom", message: problem, input: list });
      }
      return entries;
    }),
  GENIE_DELIVERY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100, "must be at least 100")
    .max(120_000)
    .default(30_000),
  GENIE_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(128),
  GENIE_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
  GENIE_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  GENIE_TAKEOVER_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  GENIE_RATE_LIMIT_PER_CLIENT: z.coerce.number().int().min(1).default(120),
  GENIE_RATE_LIMIT_PER_PROJECT: z.coerce.number().int().min(1).default(6000),
  GENIE_AUTO_DISABLE_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(72),
  GENIE_RETENTION_DAYS: z.coerce.number().int().min(1, "must be at least 1 day").max(3650).default(30),
  BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  GENIE_PUBLIC_URL: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return null;
      const problem = publicUrlProblem(value);
      if (problem) ctx.issues.push({ code: "custom", message: problem, input: value });
      return problem ? null : new URL(value).origin;
    }),
  GENIE_TRUST_PROXY: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const trust = trustProxyOf(value);
      if (typeof trust === "object" && "problem" in trust) {
        ctx.issues.push({ code: "custom", message: trust.problem, input: value });
        return false;
      }
      return trust;
    }),
  GENIE_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000, "must be at least 1000")
    .max(600_000)
    .default(30_000),
  GENIE_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000, "must be at least 1000")
    .max(600_000)
    .default(10_000),
  GENIE_KEEP_ALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000, "must be at least 1000")
    .max(600_000)
    .default(72_000),
  GENIE_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024, "must be at least 1024")
    .max(16 * 1024 * 1024)
    .default(256 * 1024),
  GENIE_TEST_SENDS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  GENIE_TEST_SENDS_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(3),
  GENIE_ENCRYPTION_KEY: z.string().regex(ENCRYPTION_KEY, ENCRYPTION_KEY_RULE).optional(),
  GENIE_ENCRYPTION_KEYS_OLD: z
    .string()
    .default("")
    .transform((list) => list.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.string().regex(ENCRYPTION_KEY, `each ${ENCRYPTION_KEY_RULE}`))),
  GENIE_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  GENIE_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  GENIE_SMTP_URL: z
    .url({
      protocol: /^smtps?$/,
      error: "must be an smtp:// or smtps:// URL (smtps://user:password@host:465)",
    })
    .optional(),
  GENIE_MAIL_FROM: z
    .string()
    .max(320)
    .regex(MAIL_FROM, 'must be an address or "Name <address>", e.g. "Genie <genie@example.com>"')
    .optional(),
  GENIE_ALERTS_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000, "must be at least 1000")
    .max(3_600_000)
    .default(60_000),
  GENIE_REQUIRE_EMAIL_VERIFICATION: z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .transform((value) => value === "true" || value === "1")
    .optional(),
});

/** Variables whose value must never appear in an error message. */
const SECRET_VARIABLES = new Set([
  "BETTER_AUTH_SECRET",
  "DATABASE_URL",
  "GENIE_ENCRYPTION_KEY",
  "GENIE_ENCRYPTION_KEYS_OLD",
  "GENIE_METRICS_TOKEN",
  "GENIE_SMTP_URL",
]);

export type Config = {
  port: number;
  host: string;
  role: Role;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  database:
    | { kind: "postgres"; url: string; encryption?: EncryptionKeys }
    | { kind: "pglite"; dataDir: string; encryption?: EncryptionKeys };
  /**
   * Signs session cookies (BETTER_AUTH_SECRET). Required on PostgreSQL (except by workers), where every
   * API process must share it; `null` on the embedded database means one kept in the data folder
   * (auth/secret.ts).
   */
  authSecret: string | null;
  /** Registrations per minute accepted from one client address and into one funnel project. */
  rateLimits: { perClientPerMinute: number; perProjectPerMinute: number };
  delivery: {
    /** Hosts and CIDRs the SSRF guard lets through (development and tests); empty in production. */
    ssrfAllow: string[];
    timeoutMs: number;
    maxInFlight: number;
    maxInFlightPerEndpoint: number;
    pollIntervalMs: number;
    /** How often a worker on PostgreSQL looks for deliveries held by dead workers. */
    takeoverIntervalMs: number;
  };
  /** An endpoint whose every delivery failed for this long is disabled; 0 never disables. */
  autoDisableAfterMs: number;
  /** Attempt logs and finished deliveries' bodies older than this are removed (contacts are kept). */
  retentionDays: number;
  /** How the server meets the internet: its public address, proxies, timeouts, body size. */
  http: HttpSettings;
  /** Test sends each account may start per minute and have running at once (per process). */
  testSends: { perMinute: number; concurrent: number };
  /** On SIGTERM, how long attempts in flight may finish before they are cut (logged as aborted). */
  shutdownGraceMs: number;
  /** The bearer token `GET /metrics` asks for (GENIE_METRICS_TOKEN); null: metrics are not served. */
  metricsToken: string | null;
  /** How account mail (reset links, verification, alerts) leaves Genie, or that it does not. */
  mail: MailSettings;
};

/**
 * - `smtp`: GENIE_SMTP_URL is set: mail goes out through that server.
 * - `files`: no SMTP on the embedded database (a laptop): each mail is written as an `.eml` file into
 *   the data folder's `mail/` and its link printed on one log line.
 * - `off`: no SMTP on PostgreSQL: nothing is sent or logged (a shared server's logs must not hold links).
 */
export type MailDestination =
  | { mode: "smtp"; smtpUrl: string; from: string }
  | { mode: "files"; dir: string; from: string }
  | { mode: "off" };

/** Where mail goes, whether verification is required, how often alerts are looked for. */
export type MailSettings = MailDestination & {
  /** Whether an account must click its verification link before it can sign in. */
  requireEmailVerification: boolean;
  /** How often worker processes look for endpoints to alert their owners about (jobs/alerts.ts). */
  alertsIntervalMs: number;
};

export type HttpSettings = {
  /**
   * The origin users and funnel pages reach Genie at (GENIE_PUBLIC_URL), e.g. `https://genie.example.com`:
   * sign-in's base URL and trusted origin, Secure cookies, embed snippets. `null`: the request's own.
   */
  publicUrl: string | null;
  /** Which proxies' X-Forwarded-* headers are believed (Fastify's `trustProxy`); `false`: none. */
  trustProxy: TrustProxy;
  /** The most a client may take to send a whole request, headers and body. */
  requestTimeoutMs: number;
  /** The most a client may take to send a request's headers. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** The largest request body of any route (the intake allows less). */
  bodyLimitBytes: number;
};

/**
 * The keys that encrypt endpoint secrets and custom header values at rest (db/encryption.ts).
 * `key` null: the embedded database's own key in its data folder; PostgreSQL requires one.
 */
export type EncryptionKeys = { key: string | null; oldKeys: string[] };

/** A configuration that cannot work: the process prints the message and exits 1. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the environment and command line once, at start. Every value is checked here so that a
 * mistake stops the process with a message naming the variable, not a stack trace later.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv.slice(2),
): Config {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const shown = SECRET_VARIABLES.has(name) ? "(hidden)" : JSON.stringify(env[name]);
      return `${name}=${shown} ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const role = parseRole(argv);
  const e = parsed.data;
  // Workers sign no sessions; every process serving the API must sign with the same secret.
  if (e.DATABASE_URL && !e.BETTER_AUTH_SECRET && role !== "worker") {
    throw new ConfigError(
      "invalid configuration: BETTER_AUTH_SECRET must be set with DATABASE_URL (every process must " +
        "share it); `openssl rand -base64 32` makes one",
    );
  }
  if (e.GENIE_HEADERS_TIMEOUT_MS > e.GENIE_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `invalid configuration: GENIE_HEADERS_TIMEOUT_MS=${e.GENIE_HEADERS_TIMEOUT_MS} must not exceed ` +
        `GENIE_REQUEST_TIMEOUT_MS=${e.GENIE_REQUEST_TIMEOUT_MS} (the headers are part of the request)`,
    );
  }
  if (e.DATABASE_URL && !e.GENIE_ENCRYPTION_KEY) {
    throw new ConfigError(
      "invalid configuration: GENIE_ENCRYPTION_KEY must be set with DATABASE_URL (every process must " +
        "share it; keep it apart from database backups); `openssl rand -base64 32` makes one",
    );
  }
  const encryption = { key: e.GENIE_ENCRYPTION_KEY ?? null, oldKeys: e.GENIE_ENCRYPTION_KEYS_OLD };
  const dataDir = path.resolve(e.GENIE_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    role,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL, encryption }
      : { kind: "pglite", dataDir, encryption },
    authSecret: e.BETTER_AUTH_SECRET ?? null,
    rateLimits: {
      perClientPerMinute: e.GENIE_RATE_LIMIT_PER_CLIENT,
      perProjectPerMinute: e.GENIE_RATE_LIMIT_PER_PROJECT,
    },
    delivery: {
      ssrfAllow: e.GENIE_SSRF_ALLOW,
      timeoutMs: e.GENIE_DELIVERY_TIMEOUT_MS,
      maxInFlight: e.GENIE_DELIVERY_CONCURRENCY,
      maxInFlightPerEndpoint: e.GENIE_ENDPOINT_CONCURRENCY,
      pollIntervalMs: e.GENIE_POLL_INTERVAL_MS,
      takeoverIntervalMs: e.GENIE_TAKEOVER_INTERVAL_MS,
    },
    autoDisableAfterMs: e.GENIE_AUTO_DISABLE_HOURS * 3_600_000,
    retentionDays: e.GENIE_RETENTION_DAYS,
    http: {
      publicUrl: e.GENIE_PUBLIC_URL,
      trustProxy: e.GENIE_TRUST_PROXY,
      requestTimeoutMs: e.GENIE_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.GENIE_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.GENIE_KEEP_ALIVE_TIMEOUT_MS,
      bodyLimitBytes: e.GENIE_BODY_LIMIT_BYTES,
    },
    testSends: { perMinute: e.GENIE_TEST_SENDS_PER_MINUTE, concurrent: e.GENIE_TEST_SENDS_CONCURRENCY },
    shutdownGraceMs: e.GENIE_SHUTDOWN_GRACE_MS,
    metricsToken: e.GENIE_METRICS_TOKEN ?? null,
    mail: mailSettingsOf(e, dataDir),
  };
}

/** Where mail goes (see MailSettings); verification is required by default only where mail really leaves. */
function mailSettingsOf(e: z.infer<typeof envSchema>, dataDir: string): MailSettings {
  const from = e.GENIE_MAIL_FROM ?? `Genie <genie@${mailDomainOf(e.GENIE_PUBLIC_URL)}>`;
  const requireEmailVerification = e.GENIE_REQUIRE_EMAIL_VERIFICATION ?? !!e.GENIE_SMTP_URL;
  const alertsIntervalMs = e.GENIE_ALERTS_INTERVAL_MS;
  if (e.GENIE_SMTP_URL) {
    return { mode: "smtp", smtpUrl: e.GENIE_SMTP_URL, from, requireEmailVerification, alertsIntervalMs };
  }
  if (!e.DATABASE_URL) {
    return {
      mode: "files",
      dir: path.join(dataDir, "mail"),
      from,
      requireEmailVerification,
      alertsIntervalMs,
    };
  }
  if (requireEmailVerification) {
    throw new ConfigError(
      "invalid configuration: GENIE_REQUIRE_EMAIL_VERIFICATION=true needs GENIE_SMTP_URL on PostgreSQL " +
        "(without mail nobody could verify, so nobody could sign in)",
    );
  }
  return { mode: "off", requireEmailVerification, alertsIntervalMs };
}

/** The host of the public URL (a real domain in production), else `localhost`. */
function mailDomainOf(publicUrl: string | null): string {
  return publicUrl ? new URL(publicUrl).hostname : "localhost";
}

/**
 * Why an SSRF allow-list entry cannot be used, or null. The guard allows hosts and addresses on every
 * port; an entry with a port would otherwise stop the process later with a stack trace.
 */
function allowEntryProblem(entry: string): string | null {
  const withPort = /^\[([^\]]*)\]:\d+$/.exec(entry) ?? /^([^:]+):\d+$/.exec(entry);
  if (withPort) {
    return `entry "${entry}" has a port: the allow-list takes hosts, addresses and CIDR ranges, every port of them (write "${withPort[1]}")`;
  }
  try {
    assertUrlAllowed("http://example.com/", { allow: [entry] });
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function parseRole(argv: string[]): Role {
  let values: { role?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { role: { type: "string" } }, strict: true }));
  } catch (error) {
    throw new ConfigError(`invalid arguments: ${(error as Error).message}`);
  }
  const role = values.role ?? "all";
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ConfigError(`invalid arguments: --role must be one of ${ROLES.join(", ")}, got "${role}"`);
  }
  return role as Role;
}

/** `PORT=` in a shell means "not set", not "set to nothing". */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]));
}
