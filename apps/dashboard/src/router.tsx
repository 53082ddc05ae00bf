import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router";
import { currentAccount, forgetSession, setUnauthorizedHandler } from "./lib/trpc";
import { NotFoundPage, RouteError } from "./pages/errors";
import { Shell } from "./pages/shell";

// Each page is its own chunk, loaded when first visited: a first visit loads the shell and one page.

// Search params are checked by hand here rather than with zod, which would add ~15 KiB (gzip) to
// the first visit; the forms that need zod load it with their page.

/** `?redirect=/endpoints/abc`: where to go back to after signing in. Only paths of this app. */
function authSearch(search: Record<string, unknown>): { redirect?: string } {
  const target = search.redirect;
  // "/x" but not "//evil.example": a protocol-relative URL would leave the app.
  return typeof target === "string" && /^\/(?!\/)/.test(target) ? { redirect: target } : {};
}

const rootRoute = createRootRoute({
  component: Outlet,
  notFoundComponent: NotFoundPage,
  errorComponent: RouteError,
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "sign-in",
  validateSearch: authSearch,
  component: lazyRouteComponent(() => import("./pages/sign-in"), "SignInPage"),
});

const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "sign-up",
  validateSearch: authSearch,
  component: lazyRouteComponent(() => import("./pages/sign-in"), "SignUpPage"),
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
});

const indexRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/endpoints" });
  },
});

const endpointsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "endpoints",
  component: lazyRouteComponent(() => import("./pages/endpoints"), "EndpointsPage"),
});

const newEndpointRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "endpoints/new",
  component: lazyRouteComponent(() => import("./pages/endpoint-new"), "NewEndpointPage"),
});

const endpointRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "endpoints/$endpointId",
  component: lazyRouteComponent(() => import("./pages/endpoint"), "EndpointPage"),
});

const sendTestRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "send-test",
  // The endpoint to test is in the URL, so "Send test" from an endpoint's page is a shareable link.
  validateSearch: (search: Record<string, unknown>): { endpointId?: string } =>
    typeof search.endpointId === "string" ? { endpointId: search.endpointId } : {},
  component: lazyRouteComponent(() => import("./pages/send-test"), "SendTestPage"),
});

const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "account",
  component: lazyRouteComponent(() => import("./pages/account"), "AccountPage"),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  signUpRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  appRoute.addChildren([
    indexRoute,
    endpointsRoute,
    newEndpointRoute,
    endpointRoute,
    sendTestRoute,
    accountRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  defaultPreload: "intent",
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
