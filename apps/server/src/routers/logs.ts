import { byIdSchema, logDetailSchema, logListInputSchema, logPageSchema } from "@genie/schemas";
import * as logs from "../services/logs";
import { protectedProcedure, router } from "../trpc";

/** The delivery log: one row per attempt. */
export const logsRouter = router({
  list: protectedProcedure
    .input(logListInputSchema)
    .output(logPageSchema)
    .query(({ ctx, input }) => logs.listLogs(ctx.db, ctx.session.userId, input, ctx.retentionDays)),

  byId: protectedProcedure
    .input(byIdSchema)
    .output(logDetailSchema)
    .query(({ ctx, input }) => logs.getLog(ctx.db, ctx.session.userId, input)),
});
