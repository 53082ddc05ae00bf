import { storageTrouble } from "./db/errors";

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
