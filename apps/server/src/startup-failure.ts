import { ConfigError } from "./config";
import { DatabaseUnavailableError } from "./db";
import { storageTrouble } from "./db/errors";

/**
 * Ends a command (the server, `reencrypt`) that failed to start: configuration, database and machine
 * problems are the user's to fix, so they get one line and no stack trace; anything else in full.
 */
export function exitWithStartupFailure(error: unknown): never {
  const line =
    error instanceof ConfigError || error instanceof DatabaseUnavailableError
      ? error.message
      : startupFailure(error);
  if (line) console.error(`genie: ${line}`);
  else console.error(error);
  process.exit(1);
}

/**
 * One line saying what stopped the start and what to do, for failures that are the machine's (a port
 * taken, a disk full or read-only); undefined for anything else, which is printed in full.
 */
export function startupFailure(error: unknown): string | undefined {
  const e = error as { code?: unknown; port?: unknown; address?: unknown } | null;
  const where = `${String(e?.address ?? "")}:${String(e?.port ?? "")}`;
  switch (e?.code) {
    case "EADDRINUSE":
      return `cannot listen on ${where}: the port is in use by another program; stop it or set PORT`;
    case "EACCES":
      if (e.port !== undefined) return `cannot listen on ${where}: permission denied; set PORT above 1023`;
      break;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: this machine has no such address; set HOST`;
  }
  const trouble = storageTrouble(error);
  return trouble && `cannot start: ${trouble}`;
}
