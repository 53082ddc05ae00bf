import type { DeliveryListInput } from "@genie/schemas";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useRef } from "react";
import { type Outputs, trpc } from "../../lib/trpc";

export type DeliverySummary = Outputs["deliveries"]["list"]["items"][number];
export type DeliveryDetail = Outputs["deliveries"]["byId"];

/** Everything that shows deliveries or attempts: asked again when they change. */
function useRefreshDeliveries() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.deliveries.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.logs.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.endpoints.health.queryKey() }),
    ]);
}

/** The log, a page at a time (keyset: "Load more" asks for the rows after the last one shown). */
export function useDeliveryList(filters: Omit<DeliveryListInput, "cursor">) {
  return useInfiniteQuery(
    trpc.deliveries.list.infiniteQueryOptions(filters, {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
  );
}

/** The test sends, apart from deliveries (they are not traffic). */
export function useTestSends() {
  return useInfiniteQuery(
    trpc.logs.list.infiniteQueryOptions(
      { eventType: "webhook.test" },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
}

/**
 * Live updates for this tab: one SSE stream (the server's live.deliveries) and, on each event, the
 * lists and details on screen ask again. Returns whether the stream is connected.
 */
export function useLiveDeliveries(): "live" | "connecting" | "off" {
  const refresh = useRefreshDeliveries();
  // At most one refresh a second: a burst of deliveries is one look, not one per event.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onData = () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void refresh();
    }, 250);
  };
  const subscription = useSubscription(trpc.live.deliveries.subscriptionOptions(undefined, { onData }));
  if (subscription.status === "pending") return "live";
  if (subscription.status === "connecting") return "connecting";
  return "off";
}

/** Sends a finished delivery again; the detail and the log show its new state. */
export function useRedeliver() {
  const refresh = useRefreshDeliveries();
  return useMutation(trpc.deliveries.redeliver.mutationOptions({ onSuccess: () => void refresh() }));
}

/** Stops a pending delivery. */
export function useCancelDelivery() {
  const refresh = useRefreshDeliveries();
  return useMutation(trpc.deliveries.cancel.mutationOptions({ onSuccess: () => void refresh() }));
}

/**
 * "Redeliver the failed ones in this view": the server queues at most a batch per call and says
 * whether more are left, so this calls again until none are, counting as it goes.
 */
export function useRedeliverFailed() {
  const refresh = useRefreshDeliveries();
  const mutation = useMutation(trpc.deliveries.redeliverFailed.mutationOptions());
  return {
    ...mutation,
    async run(range: { from: string; to: string; endpointId?: string }, onProgress: (count: number) => void) {
      let count = 0;
      // Bounded: each call queues up to 10,000 and a delivery is queued once; 100 calls is a million.
      for (let call = 0; call < 100; call++) {
        const result = await mutation.mutateAsync(range);
        count += result.count;
        onProgress(count);
        if (!result.more) break;
      }
      await refresh();
      return count;
    },
  };
}
