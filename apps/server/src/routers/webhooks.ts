import { sendTestResultSchema, sendTestSchema } from "@genie/schemas";
import { sendTest } from "../services/send-test";
import { protectedProcedure, router } from "../trpc";

export const webhooksRouter = router({
  /** One signed test attempt, answered synchronously with what the receiver did. */
  sendTest: protectedProcedure
    .input(sendTestSchema)
    .output(sendTestResultSchema)
    .mutation(({ ctx, input }) => sendTest(ctx.db, ctx.session.userId, input, ctx.outbound)),
});
