import { byIdSchema, deliveryStateSchema, redeliveredSchema, redeliverFailedSchema } from "@genie/schemas";
import { accountLimit } from "../limits";
import * as deliveries from "../services/deliveries";
import { protectedProcedure, router } from "../trpc";

/** Deliveries by hand: send again (one, or every failure in a time range), or stop a pending one. */
export const deliveriesRouter = router({
  redeliver: protectedProcedure
    .input(byIdSchema)
    .output(deliveryStateSchema)
    .mutation(({ ctx, input }) => deliveries.redeliver(ctx.db, ctx.session.userId, input, ctx.worker)),

  redeliverFailed: protectedProcedure
    .use(accountLimit("redeliverFailed"))
    .input(redeliverFailedSchema)
    .output(redeliveredSchema)
    .mutation(({ ctx, input }) => deliveries.redeliverFailed(ctx.db, ctx.session.userId, input, ctx.worker)),

  cancel: protectedProcedure
    .input(byIdSchema)
    .output(deliveryStateSchema)
    .mutation(({ ctx, input }) => deliveries.cancel(ctx.db, ctx.session.userId, input)),
});
