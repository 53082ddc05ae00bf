import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type Outputs, trpc } from "../../lib/trpc";

export type Project = Outputs["funnels"]["list"][number];

/**
 * Every change to funnels: the list is asked again afterwards (the hooks own it, pages do not), and
 * endpoints too, whose routing names projects.
 */
function useRefresh() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.funnels.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.endpoints.pathKey() }),
    ]);
}

export function useCreateProject() {
  const refresh = useRefresh();
  return useMutation(trpc.funnels.create.mutationOptions({ onSuccess: () => refresh() }));
}
export function useUpdateProject() {
  const refresh = useRefresh();
  return useMutation(trpc.funnels.update.mutationOptions({ onSuccess: () => refresh() }));
}
export function useDeleteProject() {
  const refresh = useRefresh();
  return useMutation(trpc.funnels.delete.mutationOptions({ onSuccess: () => refresh() }));
}
export function useCreatePage() {
  const refresh = useRefresh();
  return useMutation(trpc.funnels.pages.create.mutationOptions({ onSuccess: () => refresh() }));
}
export function useDeletePage() {
  const refresh = useRefresh();
  return useMutation(trpc.funnels.pages.delete.mutationOptions({ onSuccess: () => refresh() }));
}
