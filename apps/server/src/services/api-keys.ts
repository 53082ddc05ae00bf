import { randomBytes } from "node:crypto";
import type { ApiKeyCreate, ApiKeyScope, ApiKeyView, ById } from "@genie/schemas";
import { hashApiKeySecret } from "../auth/api-key";
import type { Database } from "../db";
import { notFound } from "../errors";
import type { Prisma } from "../generated/prisma/client";

const apiKeySelect = {
  id: true,
  name: true,
  scope: true,
  lookupId: true,
  createdAt: true,
  lastUsedAt: true,
} satisfies Prisma.ApiKeySelect;
type ApiKeyRow = Prisma.ApiKeyGetPayload<{ select: typeof apiKeySelect }>;

function toApiKeyView({ lookupId, scope, ...row }: ApiKeyRow): ApiKeyView {
  return { ...row, scope: scope as ApiKeyScope, prefix: `gk_${lookupId}_` };
}

export async function listApiKeys(db: Database, userId: string): Promise<ApiKeyView[]> {
  const rows = await db.prisma.apiKey.findMany({
    where: { userId },
    select: apiKeySelect,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
  return rows.map(toApiKeyView);
}

/** Makes a key; this answer is the only place its secret ever appears. */
export async function createApiKey(db: Database, userId: string, input: ApiKeyCreate) {
  const lookupId = randomBytes(12).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const row = await db.prisma.apiKey.create({
    data: { userId, ...input, lookupId, secretHash: hashApiKeySecret(secret).toString("hex") },
    select: apiKeySelect,
  });
  return { apiKey: toApiKeyView(row), key: `gk_${lookupId}_${secret}` };
}

/** Deletes the key: the next request made with it is refused like one with no key. */
export async function revokeApiKey(db: Database, userId: string, { id }: ById) {
  const { count } = await db.prisma.apiKey.deleteMany({ where: { id, userId } });
  if (count === 0) throw notFound("API key");
  return { id };
}
