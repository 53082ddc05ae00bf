import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router";
import { NotFoundPage, RouteError } from "./components/errors";
import { Shell } from "./components/shell";
import { Loading } from "./components/ui";
import { contactsSearch } from "./features/contacts/search";
import { logSearch } from "./features/deliveries/search";
import { overviewSearch } from "./features/overview/search";
import { safeRedirect } from "./lib/redirect";
import {
  currentAccount,
  forgetSession,
  queryClient,
  type RouterContext,
  setUnauthorizedHandler,
  trpc,
} from "./lib/trpc";

// Each page is its own chunk, loaded when first visited: a first visit loads the shell and one page.
// Route files stay thin: the page component lives in src/features/<subject>/, and each loader starts
// the page's main query while the chunk loads (ensureQueryData from the router context).

// Search params are checked by hand here rather than with zod, which would add ~15 KiB (gzip) to
// the first visit; the forms that need zod load it with their page.

/** `?redirect=/deliveries/abc`: where to go back to after signing in. Only paths of this app. */
function authSearch(search: Record<string, unknown>): { redirect?: string } {
  const target = safeRedirect(search.redirect);
  return target ? { redirect: target } : {};
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFoundPage,
  errorComponent: RouteError,
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "sign-in",
  validateSearch: authSearch,
  component: lazyRouteComponent(() => import("./features/account/sign-in-page"), "SignInPage"),
});

const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "sign-up",
  validateSearch: authSearch,
  component: lazyRouteComponent(() => import("./features/account/sign-in-page"), "SignUpPage"),
});

// Signed-out pages of account mail (features/account): ask for a reset link, and the link's page.
const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "forgot-password",
  component: lazyRouteComponent(() => import("./features/account/forgot-password"), "ForgotPasswordPage"),
});
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "reset-password",
  validateSearch: (search: Record<string, unknown>): { token?: string } =>
    typeof search.token === "string" ? { token: search.token } : {},
  component: lazyRouteComponent(() => import("./features/account/reset-password"), "ResetPasswordPage"),
});

/** Every page below needs a session: without one, sign in first and come back here afterwards. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  beforeLoad: async ({ location }) => {
    const user = await currentAccount();
    if (!user) throw redirect({ to: "/sign-in", search: { redirect: location.href } });
    return { user };
  },
  component: Shell,
  errorComponent: RouteError,
  pendingComponent: () => <Loading label="Loading…" />,
});

/** A page of the signed-in app: its error and pending states are the app's, inside the shell. */
const page = {
  getParentRoute: () => appRoute,
  errorComponent: RouteError,
  pendingComponent: () => <Loading label="Loading…" />,
} as const;

const overviewRoute = createRoute({
  ...page,
  path: "/",
  validateSearch: overviewSearch,
  loader: ({ context }) => context.queryClient.ensureQueryData(context.trpc.endpoints.list.queryOptions()),
  component: lazyRouteComponent(() => import("./features/overview/overview-page"), "OverviewPage"),
});

const deliveriesRoute = createRoute({
  ...page,
  path: "deliveries",
  validateSearch: logSearch,
  component: lazyRouteComponent(() => import("./features/deliveries/log-page"), "DeliveryLogPage"),
});

const deliveryRoute = createRoute({
  ...page,
  path: "deliveries/$deliveryId",
  loader: ({ context, params }) =>
    context.queryClient.ensureQueryData(context.trpc.deliveries.byId.queryOptions({ id: params.deliveryId })),
  component: lazyRouteComponent(() => import("./features/deliveries/delivery-page"), "DeliveryPage"),
});

const endpointsRoute = createRoute({
  ...page,
  path: "endpoints",
  loader: ({ context }) => context.queryClient.ensureQueryData(context.trpc.endpoints.list.queryOptions()),
  component: lazyRouteComponent(() => import("./features/endpoints/endpoints-page"), "EndpointsPage"),
});

const newEndpointRoute = createRoute({
  ...page,
  path: "endpoints/new",
  component: lazyRouteComponent(() => import("./features/endpoints/endpoint-new-page"), "NewEndpointPage"),
});

const endpointRoute = createRoute({
  ...page,
  path: "endpoints/$endpointId",
  component: lazyRouteComponent(() => import("./features/endpoints/endpoint-page"), "EndpointPage"),
});

const sendTestRoute = createRoute({
  ...page,
  path: "send-test",
  // The endpoint to test is in the URL, so "Send test" from an endpoint's page is a shareable link.
  validateSearch: (search: Record<string, unknown>): { endpointId?: string } =>
    typeof search.endpointId === "string" ? { endpointId: search.endpointId } : {},
  component: lazyRouteComponent(() => import("./features/endpoints/send-test-page"), "SendTestPage"),
});

const funnelsRoute = createRoute({
  ...page,
  path: "funnels",
  loader: ({ context }) => context.queryClient.ensureQueryData(context.trpc.funnels.list.queryOptions()),
  component: lazyRouteComponent(() => import("./features/funnels/funnels-page"), "FunnelsPage"),
});

const contactsRoute = createRoute({
  ...page,
  path: "contacts",
  validateSearch: contactsSearch,
  component: lazyRouteComponent(() => import("./features/contacts/contacts-page"), "ContactsPage"),
});

const contactRoute = createRoute({
  ...page,
  path: "contacts/$contactId",
  loader: ({ context, params }) =>
    context.queryClient.ensureQueryData(context.trpc.contacts.byId.queryOptions({ id: params.contactId })),
  component: lazyRouteComponent(() => import("./features/contacts/contact-page"), "ContactPage"),
});

const accountRoute = createRoute({
  ...page,
  path: "account",
  component: lazyRouteComponent(() => import("./features/account/account-page"), "AccountPage"),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  signUpRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  appRoute.addChildren([
    overviewRoute,
    deliveriesRoute,
    deliveryRoute,
    endpointsRoute,
    newEndpointRoute,
    endpointRoute,
    sendTestRoute,
    funnelsRoute,
    contactsRoute,
    contactRoute,
    accountRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  context: { queryClient, trpc },
  defaultPreload: "intent",
  // The query cache decides freshness; the router only starts the loads.
  defaultPreloadStaleTime: 0,
  scrollRestoration: true,
});

// A session that ends while a page is open (signed out elsewhere, revoked) leads to sign-in, and back.
setUnauthorizedHandler(() => {
  const here = router.state.location;
  if (here.pathname === "/sign-in" || here.pathname === "/sign-up") return;
  forgetSession();
  void router.navigate({ to: "/sign-in", search: { redirect: here.href } });
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
