import { createHash } from "node:crypto";
import type { Session } from "../auth";
import type { Database } from "../db";
import { isUniqueViolation } from "../db/errors";
import { AppError } from "../errors";

/** How long a create call's Idempotency-Key holds: a deploy script's retries and reruns fit in it. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

/** Visible ASCII, as header values are; long enough for a UUID with a prefix. */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

type IdempotentCreate<R> = {
  /** Creates the record. */
  create: () => Promise<R>;
  /** The id of the record `create` made, remembered under the key. */
  idOf: (result: R) => string;
  /** The answer for a repeated call: the record the first call made, as it is now. */
  replay: (id: string) => Promise<R>;
};

/**
 * Runs a create call once per client-chosen key (the `Idempotency-Key` header, ctx.idempotencyKey):
 * a repeat within IDEMPOTENCY_KEY_TTL_MS answers with the record the first call made instead of
 * making another, so a deploy script run twice provisions one endpoint. Only the record's id is
 * kept, never the answer itself (an endpoint's answer carries its signing secret). The same key with
 * another input, or while the first call still runs, is refused with CONFLICT. Without a key, `create`.
 */
export async function idempotent<R>(
  ctx: { db: Database; session: Session; idempotencyKey: string | null },
  procedure: string,
  input: unknown,
  { create, idOf, replay }: IdempotentCreate<R>,
): Promise<R> {
  const key = ctx.idempotencyKey;
  if (key === null) return create();
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new AppError("BAD_REQUEST", {
      reason: "invalid_idempotency_key",
      userMessage: "The Idempotency-Key header must be 1 to 200 visible ASCII characters (a UUID, say).",
    });
  }
  const { prisma } = ctx.db;
  const id = { userId: ctx.session.userId, procedure, key };
  const requestHash = createHash("sha256").update(JSON.stringify(input)).digest("hex");
  await prisma.idempotencyKey.deleteMany({
    where: { ...id, createdAt: { lt: new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS) } },
  });
  try {
    await prisma.idempotencyKey.create({ data: { ...id, requestHash }, select: { key: true } });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const first = await prisma.idempotencyKey.findUnique({
      where: { userId_procedure_key: id },
      select: { requestHash: true, resourceId: true },
    });
    if (first && first.requestHash !== requestHash) {
      throw new AppError("CONFLICT", {
        reason: "idempotency_key_reused",
        userMessage: `This Idempotency-Key was used for a ${procedure} call with another input: choose a new key.`,
      });
    }
    if (!first?.resourceId) {
      throw new AppError("CONFLICT", {
        reason: "idempotency_key_in_progress",
        userMessage: "A call with this Idempotency-Key is still running: try again in a moment.",
      });
    }
    return replay(first.resourceId);
  }
  try {
    const result = await create();
    await prisma.idempotencyKey.update({
      where: { userId_procedure_key: id },
      data: { resourceId: idOf(result) },
      select: { key: true },
    });
    return result;
  } catch (error) {
    // Nothing was made: the key is free for the retry.
    await prisma.idempotencyKey.deleteMany({ where: { ...id, resourceId: null } });
    throw error;
  }
}
