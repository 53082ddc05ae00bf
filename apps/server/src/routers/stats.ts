import { statsInputSchema, statsSchema } from "@genie/schemas";
import { accountLimit } from "../limits";
import * as stats from "../services/stats";
import { protectedProcedure, router } from "../trpc";

/** Numbers for the dashboard's charts. */
export const statsRouter = router({
  overview: protectedProcedure
    .use(accountLimit("stats"))
    .input(statsInputSchema)
    .output(statsSchema)
    .query(({ ctx, input }) => stats.overview(ctx.db, ctx.session.userId, input)),
});
