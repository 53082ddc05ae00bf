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
