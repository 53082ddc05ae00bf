import { accountSchema } from "@genie/schemas";
import * as account from "../services/account";
import { protectedProcedure, router } from "../trpc";

export const accountRouter = router({
  /** Who is signed in. Sign-up, sign-in and sign-out themselves are better-auth's, at /api/auth/*. */
  me: protectedProcedure
    .output(accountSchema)
    .query(({ ctx }) => account.getAccount(ctx.db, ctx.session.userId)),
});
