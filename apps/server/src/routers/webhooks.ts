import { sendTestResultSchema, sendTestSchema } from "@genie/schemas";
import { accountLimit } from "../limits";
import { sendTest } from "../services/send-test";
import { protectedProcedure, router } from "../trpc";

export const webhooksRouter = router({
  /** One signed test attempt, answered synchronously with what the receiver did. */
  sendTest: protectedProcedure
    .use(accountLimit("sendTest"))
    .input(sendTestSchema)
    .output(sendTestResultSchema)
    .mutation(({ ctx, input }) => sendTest(ctx.db, ctx.session.userId, input, ctx.outbound)),
});
