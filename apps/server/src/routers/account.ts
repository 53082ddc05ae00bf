import { accountDeleteSchema, accountSchema } from "@genie/schemas";
import { z } from "zod";
import * as account from "../services/account";
import { router, sessionProcedure } from "../trpc";

export const accountRouter = router({
  /** Who is signed in. Sign-up, sign-in and sign-out themselves are better-auth's, at /api/auth/*. */
  me: sessionProcedure
    .output(accountSchema)
    .query(({ ctx }) => account.getAccount(ctx.db, ctx.session.userId)),

  /** Removes the account and everything it owns, after the password is confirmed. */
  delete: sessionProcedure
    .input(accountDeleteSchema)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => account.deleteAccount(ctx.db, ctx.session.userId, input)),
});
