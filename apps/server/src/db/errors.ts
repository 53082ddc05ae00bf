/**
 * Whether a Prisma error is a unique-constraint violation. The PostgreSQL adapter reports it as
 * P2002; the PGlite adapter passes the driver's error through, with SQLSTATE 23505 in its cause.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === "P2002" || e?.cause?.code === "23505";
}
