import type { AppRouter } from "@genie/server/router";
import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";

/** What each procedure returns, as the browser receives it (dates are ISO strings: no transformer). */
export type Outputs = inferRouterOutputs<AppRouter>;
export type Endpoint = Outputs["endpoints"]["list"][number];
export type EndpointHealth = Outputs["endpoints"]["health"][number];

/**
 * The stable machine name of a refusal (`rate_limited`, `validation_failed`, `unauthorized`,
 * `url_refused`…), the server's `error.data.reason`: branch on it, never on the words of a message.
 */
export function errorReason(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const reason = (error.data as { reason?: unknown } | undefined)?.reason;
  return typeof reason === "string" ? reason : null;
}

/** True when the server said "sign in first": the session ended or was revoked. */
export function isUnauthorized(error: unknown): boolean {
  return errorReason(error) === "unauthorized";
}

/** The field errors of a rejected input (the server's errorFormatter adds them), by field name. */
export function serverFieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof TRPCClientError)) return {};
  const fields = (error.data?.fieldErrors ?? {}) as Record<string, string[] | undefined>;
  return Object.fromEntries(
    Object.entries(fields).flatMap(([name, messages]) => (messages?.[0] ? [[name, messages[0]]] : [])),
  );
}

/** The request got no answer from the server (offline, server down): fetch's TypeError, wrapped. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.cause instanceof TypeError || !error.data);
}

export const UNREACHABLE_MESSAGE =
  "Genie's server could not be reached. Check your connection, then try again.";

/** A sentence for any error: the server's own message, or what to do when it could not be reached. */
export function errorMessage(error: unknown): string {
  if (isUnreachable(error)) return UNREACHABLE_MESSAGE;
  return error instanceof Error ? error.message : String(error);
}

let onUnauthorized: () => void = () => {};
/** The router sets this: an expired session anywhere sends the owner to sign in, then back. */
export function setUnauthorizedHandler(handler: () => void) {
  onUnauthorized = handler;
}

export const queryClient = new QueryClient({
  // The session check before each page handles its own UNAUTHORIZED (it redirects with the target).
  queryCache: new QueryCache({
    onError: (error, query) => {
      if (isUnauthorized(error) && !query.meta?.sessionCheck) onUnauthorized();
    },
  }),
  mutationCache: new MutationCache({
    onError: (error) => {
      if (isUnauthorized(error)) onUnauthorized();
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A signed-out session or a missing endpoint will not fix itself by asking again.
      retry: (failures, error) =>
        failures < 2 && !(error instanceof TRPCClientError && error.data?.httpStatus < 500),
    },
  },
});

/** After sign-in, sign-out or a revoked session: forget every cached answer of the previous account. */
export function forgetSession() {
  queryClient.clear();
}

/**
 * Whether a session cookie is there at all. better-auth answers 200 with `null` when nobody is signed
 * in, so a signed-out first visit asks nothing that answers 401 (a console error in every browser).
 */
async function hasSession(): Promise<boolean> {
  const response = await fetch("/api/auth/get-session?disableCookieCache=true", {
    credentials: "same-origin",
  });
  if (!response.ok) return true; // let account.me say what is wrong
  return (await response.json()) !== null;
}

/** The signed-in account, or null when nobody is. Cached briefly so moving between pages is instant. */
export async function currentAccount() {
  const cached = queryClient.getQueryState(trpc.account.me.queryKey());
  const fresh = cached?.status === "success" && Date.now() - cached.dataUpdatedAt < 30_000;
  if (!fresh && !(await hasSession().catch(() => true))) return null;
  try {
    return await queryClient.fetchQuery({
      ...trpc.account.me.queryOptions(),
      staleTime: 30_000,
      meta: { sessionCheck: true },
    });
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

// Subscriptions (the live log) go over Server-Sent Events, one stream per tab; everything else is
// batched HTTP. A reconnecting stream sends its last event id, and the server starts with a catch-up.
const client = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink({ url: "/trpc" }),
      false: httpBatchLink({ url: "/trpc" }),
    }),
  ],
});

/** `useQuery(trpc.endpoints.list.queryOptions())`: typed by the server's router, nothing imported at run time. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });

/** What every route loader receives: `context.queryClient.ensureQueryData(context.trpc.….queryOptions())`. */
export type RouterContext = { queryClient: QueryClient; trpc: typeof trpc };
