import { accountSchema } from "@genie/schemas";
import { notFound } from "../errors";
import { protectedProcedure, router } from "../trpc";

export const accountRouter = router({
  /** Who is signed in. Sign-up, sign-in and sign-out themselves are better-auth's, at /api/auth/*. */
  me: protectedProcedure.output(accountSchema).query(async ({ ctx }) => {
    const user = await ctx.prisma.user.findUnique({
      where: { id: ctx.session.userId },
      select: { id: true, name: true, email: true, createdAt: true },
    });
    if (!user) throw notFound("Account");
    return user;
  }),
});
