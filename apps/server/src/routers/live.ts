import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { liveChanges } from "../live/subscription";
import { protectedProcedure, router } from "../trpc";

/** Streams for open dashboard tabs, over Server-Sent Events (the dashboard's httpSubscriptionLink). */
export const liveRouter = router({
  /** One event each time the account's deliveries change; the page then asks for its rows again. */
  deliveries: protectedProcedure
    .input(z.strictObject({ lastEventId: z.string().max(100).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      if (!ctx.live) {
        throw new TRPCError({ code: "NOT_IMPLEMENTED", message: "This server runs no live feed." });
      }
      yield* liveChanges({
        feed: ctx.live.feed,
        userId: ctx.session.userId,
        recheckSession: ctx.live.recheckSession,
        recheckMs: ctx.live.recheckMs,
        lastEventId: input?.lastEventId,
        signal,
      });
    }),
});
