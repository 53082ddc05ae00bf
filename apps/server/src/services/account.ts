import type { AccountView } from "@genie/schemas";
import { verifyPassword } from "better-auth/crypto";
import type { Database } from "../db";
import { AppError, notFound } from "../errors";

/** Who is signed in. */
export async function getAccount(db: Database, userId: string): Promise<AccountView> {
  const user = await db.prisma.user.findUnique({
    where: { id: userId },
    select: { id: true, name: true, email: true, createdAt: true },
  });
  if (!user) throw notFound("Account");
  return user;
}

/**
 * account.delete: the owner confirms with their password; then the account and everything it owns
 * is removed. Its pending deliveries are stopped first, so no worker claims one while the rest goes;
 * an attempt already in flight finishes and is not logged (its delivery is gone). Every table's
 * foreign key to users cascades, so one DELETE removes endpoints, projects, contacts, deliveries,
 * logs, audit rows and sessions: signed out everywhere at once, since sessions are checked in the
 * database on every call.
 */
export async function deleteAccount(db: Database, userId: string, { password }: { password: string }) {
  const credential = await db.prisma.account.findFirst({
    where: { userId, providerId: "credential" },
    select: { password: true },
  });
  // better-auth's own password check (its default scrypt hasher, which Genie does not change).
  if (!credential?.password || !(await verifyPassword({ hash: credential.password, password }))) {
    throw new AppError("BAD_REQUEST", {
      reason: "wrong_password",
      userMessage: "That password is not right; the account was not deleted.",
      fieldErrors: { password: ["is not right"] },
    });
  }
  await db.sql.query(
    `UPDATE webhook_deliveries SET status = 'cancelled', completed_at = now(), updated_at = now()
     WHERE user_id = $1::uuid AND status = 'pending'`,
    [userId],
  );
  await db.prisma.user.delete({ where: { id: userId } });
  return { deleted: true as const };
}
