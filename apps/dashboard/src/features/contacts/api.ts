import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type Outputs, trpc } from "../../lib/trpc";

export type ContactSummary = Outputs["contacts"]["list"]["items"][number];
export type ContactDetail = Outputs["contacts"]["byId"];

export function useContactList(filters: { search?: string; projectId?: string }) {
  return useInfiniteQuery(
    trpc.contacts.list.infiniteQueryOptions(filters, {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
  );
}

/** After an erasure: contacts, deliveries (their bodies and emails are gone) and funnel counts change. */
function useAfterErasure() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.contacts.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.deliveries.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.logs.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.funnels.pathKey() }),
    ]);
}

export function useEraseContact() {
  const after = useAfterErasure();
  return useMutation(trpc.contacts.delete.mutationOptions({ onSuccess: () => after() }));
}

export function useEraseByEmail() {
  const after = useAfterErasure();
  return useMutation(trpc.contacts.deleteByEmail.mutationOptions({ onSuccess: () => after() }));
}

/** Everything held about one contact as a JSON file (an access request), downloaded by the browser. */
export function useExportContact() {
  const queryClient = useQueryClient();
  return async (id: string) => {
    const data = await queryClient.fetchQuery(trpc.contacts.export.queryOptions({ id }));
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `contact-${id}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
}
