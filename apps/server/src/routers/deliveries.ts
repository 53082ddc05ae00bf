import {
  byIdSchema,
  deliveryDetailSchema,
  deliveryListInputSchema,
  deliveryPageSchema,
  deliveryStateSchema,
  redeliveredSchema,
  redeliverFailedSchema,
} from "@genie/schemas";
import { accountLimit } from "../limits";
import * as deliveries from "../services/deliveries";
import * as deliveryLog from "../services/delivery-log";
import { protectedProcedure, router } from "../trpc";

/**
 * Deliveries (one per webhook): the log lists them, one opens with its attempts; by hand they are
 * sent again (one, or every failure in a time range) or stopped while pending.
 */
export const deliveriesRouter = router({
  list: protectedProcedure
    .input(deliveryListInputSchema)
    .output(deliveryPageSchema)
    .query(({ ctx, input }) =>
      deliveryLog.listDeliveries(ctx.db, ctx.session.userId, input, ctx.retentionDays),
    ),

  byId: protectedProcedure
    .input(byIdSchema)
    .output(deliveryDetailSchema)
    .query(({ ctx, input }) => deliveryLog.getDelivery(ctx.db, ctx.session.userId, input)),

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
