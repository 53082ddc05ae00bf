/**
 * Whether a Prisma error is a unique-constraint violation. The PostgreSQL adapter reports it as
 * P2002; the PGlite adapter passes the driver's error through, with SQLSTATE 23505 in its cause.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === "P2002" || e?.cause?.code === "23505";
}

/**
 * True when the database refused a statement for what it contained (SQLSTATE class 22, data
 * exception, or 23, integrity constraint), as opposed to being unreachable or overloaded.
 */
export function isRowRefusal(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === "string" ? e.code : e?.cause?.code;
  return typeof code === "string" && /^2[23]/.test(code);
}

/** What to do about a file system error code (the data folder's disk), in words for an operator. */
const STORAGE_TROUBLE: Record<string, string> = {
  ENOSPC: "the disk is full: free some space and start again",
  EDQUOT: "the disk quota is used up: free some space and start again",
  EROFS: "the disk is read-only: set GENIE_DATA_DIR to a folder on a writable disk",
  EACCES: "permission denied: make the folder writable by this user or set GENIE_DATA_DIR",
  EPERM: "permission denied: make the folder writable by this user or set GENIE_DATA_DIR",
  ENOTDIR: "a file is in the way of the data folder: move it or set GENIE_DATA_DIR",
  EEXIST: "a file is in the way of the data folder: move it or set GENIE_DATA_DIR",
};

/** The advice for a file system error (its own code or its cause's), or undefined. */
export function storageTrouble(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  for (const code of [e?.code, e?.cause?.code]) {
    if (typeof code === "string" && STORAGE_TROUBLE[code]) return `${STORAGE_TROUBLE[code]} (${code})`;
  }
  return undefined;
}
