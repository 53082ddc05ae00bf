import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiKeyScope } from "@genie/schemas";
import type { Database } from "../db";

/**
 * API keys: `gk_<lookup id>_<secret>`. The lookup id (12 random bytes, hex) is visible in lists and
 * finds the key's row; the secret (32 random bytes, base64url) is shown once and kept only as its
 * SHA-256, compared in constant time. A key is an account's credential for the tRPC procedures
 * (context.ts); it never reaches /api/auth and never makes a session. Made, listed and revoked by
 * services/api-keys.ts.
 */
const KEY_PATTERN = /^gk_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

/** A key's last use is written at most this often, so using a key costs no write per request. */
export const LAST_USED_PRECISION_MS = 60_000;

/** The key an `Authorization: Bearer <key>` header presents; undefined for any other header. */
export function bearerOf(authorization: string): string | undefined {
  return /^Bearer +(\S+)$/.exec(authorization)?.[1];
}

/** The account and rights of a request made with a valid key. */
export type ApiKeyCredential = { keyId: string; userId: string; scope: ApiKeyScope };

export function hashApiKeySecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/**
 * The credential a presented key stands for, or null for anything that is not a live key (malformed,
 * unknown, revoked, wrong secret): callers answer all of those alike. Records the use when the last
 * recorded one is older than LAST_USED_PRECISION_MS.
 */
export async function verifyApiKey(
  db: Database,
  presented: string,
  now: Date = new Date(),
): Promise<ApiKeyCredential | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const [, lookupId = "", secret = ""] = match;
  const row = await db.prisma.apiKey.findUnique({
    where: { lookupId },
    select: { id: true, userId: true, scope: true, secretHash: true, lastUsedAt: true },
  });
  if (!row || !timingSafeEqual(hashApiKeySecret(secret), Buffer.from(row.secretHash, "hex"))) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
    // Conditional, so concurrent requests of one key write once; a revoked key's row is simply gone.
    await db.prisma.apiKey.updateMany({
      where: {
        id: row.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(now.getTime() - LAST_USED_PRECISION_MS) } }],
      },
      data: { lastUsedAt: now },
    });
  }
  return { keyId: row.id, userId: row.userId, scope: row.scope as ApiKeyScope };
}
