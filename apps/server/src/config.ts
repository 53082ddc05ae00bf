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
});

export type Config = {
  port: number;
  host: string;
  role: Role;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
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
      return `${name}=${JSON.stringify(env[name])} ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const role = parseRole(argv);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    role,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL }
      : { kind: "pglite", dataDir: path.resolve(e.GENIE_DATA_DIR) },
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
