import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";

/** Which parts of Genie a process runs: the HTTP API, the delivery worker, or both. */
export const ROLES = ["all", "api", "worker"] as const;
export type Role = (typeof ROLES)[number];

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
    .transform((list) =>
      list
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
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
  BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
});

/** Variables whose value must never appear in an error message. */
const SECRET_VARIABLES = new Set(["BETTER_AUTH_SECRET", "DATABASE_URL"]);

export type Config = {
  port: number;
  host: string;
  role: Role;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
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
};

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
  return {
    port: e.PORT,
    host: e.HOST,
    role,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL }
      : { kind: "pglite", dataDir: path.resolve(e.GENIE_DATA_DIR) },
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
  };
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
