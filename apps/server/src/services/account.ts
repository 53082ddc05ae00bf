import type { AccountView } from "@genie/schemas";
import type { Database } from "../db";
import { notFound } from "../errors";

/** Who is signed in. */
export async function getAccount(db: Database, userId: string): Promise<AccountView> {
  const user = await db.prisma.user.findUnique({
    where: { id: userId },
    select: { id: true, name: true, email: true, createdAt: true },
  });
  if (!user) throw notFound("Account");
  return user;
}
