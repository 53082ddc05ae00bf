import { useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useRouteContext, useRouterState } from "@tanstack/react-router";
import { lazy, Suspense, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { AccountButton } from "../features/account/account-button";
import { isUnreachable, UNREACHABLE_MESSAGE } from "../lib/trpc";
import { Button } from "./ui";

/** The pages of the app, in the order an owner needs them. */
const NAV = [
  { to: "/", label: "Overview" },
  { to: "/deliveries", label: "Delivery log" },
  { to: "/endpoints", label: "Endpoints" },
  { to: "/funnels", label: "Funnels" },
  { to: "/contacts", label: "Contacts" },
  { to: "/send-test", label: "Send test" },
  { to: "/account", label: "Account" },
] as const;

/** How wide the faded right edge of the phone's row of links is (the nav's mask class says 40px too). */
const FADE_PX = 40;

const NAV_LINK =
  "rounded-lg px-3 py-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-white";
const NAV_ACTIVE = "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-white";

export function Shell() {
  const navRef = useRef<HTMLElement>(null);
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  useEffect(() => {
    const nav = navRef.current;
    const link = nav?.querySelector('[aria-current="page"]');
    if (!nav || !link) return;
    // Only the row moves, sideways: scrollIntoView would scroll the page too, undoing the router's
    // scroll restoration. A link hidden or under the faded edge is brought to the middle; on the
    // desktop's sidebar every link is in view, so nothing moves.
    const row = nav.getBoundingClientRect();
    const item = link.getBoundingClientRect();
    if (item.left < row.left || item.right > row.right - FADE_PX) {
      nav.scrollLeft += item.left - row.left - (row.width - item.width) / 2;
    }
  }, [pathname]);
  return (
    <div className="min-h-screen lg:grid lg:grid-cols-[15rem_1fr]">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-lg focus:bg-white focus:px-3 focus:py-2 focus:shadow dark:focus:bg-zinc-900"
      >
        Skip to content
      </a>
      <header className="border-b border-zinc-200 bg-white lg:flex lg:min-h-screen lg:flex-col lg:border-r lg:border-b-0 dark:border-zinc-800 dark:bg-zinc-900">
        <div className="flex items-center justify-between gap-3 px-4 py-3 lg:px-5 lg:py-5">
          <Link to="/" className="flex items-center gap-2 rounded-lg font-semibold">
            <span
              aria-hidden
              className="grid size-7 place-items-center rounded-lg bg-indigo-600 text-sm text-white"
            >
              G
            </span>
            Genie
          </Link>
          <div className="lg:hidden">
            <AccountMenu />
          </div>
        </div>
        {/* On a phone the links scroll sideways: the edge fades to say there are more, and the
            current page's link is scrolled into view. */}
        <nav
          ref={navRef}
          aria-label="Main"
          className="overflow-x-auto px-2 pb-2 [mask-image:linear-gradient(to_right,black_calc(100%-40px),transparent)] lg:flex-1 lg:px-3 lg:[mask-image:none]"
        >
          <ul className="flex gap-1 pr-8 lg:flex-col lg:pr-0">
            {NAV.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  className={`block whitespace-nowrap ${NAV_LINK}`}
                  activeProps={{ className: NAV_ACTIVE }}
                  activeOptions={{ exact: item.to === "/", includeSearch: false }}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="hidden border-t border-zinc-200 p-3 lg:block dark:border-zinc-800">
          <AccountMenu wide />
        </div>
      </header>
      <div className="min-w-0">
        <ServerUnreachable />
        <main id="main" className="mx-auto w-full max-w-5xl px-4 py-8 sm:px-8 sm:py-10">
          <Outlet />
        </main>
      </div>
    </div>
  );
}

const loadMenu = () => import("../features/account/account-menu");
const LazyAccountMenu = lazy(() => loadMenu().then((m) => ({ default: m.AccountMenu })));

/**
 * A plain button until the menu is wanted: the menu's code (Radix, floating-ui) loads on hover or
 * focus and opens on click, keeping it out of the first visit's download.
 */
function AccountMenu({ wide = false }: { wide?: boolean }) {
  const { user } = useRouteContext({ from: "/app" });
  const [opened, setOpened] = useState(false);
  const placeholder = (
    <AccountButton
      user={user}
      wide={wide}
      aria-haspopup="menu"
      onPointerEnter={() => void loadMenu()}
      onFocus={() => void loadMenu()}
      onClick={() => setOpened(true)}
    />
  );
  if (!opened) return placeholder;
  return (
    <Suspense fallback={placeholder}>
      <LazyAccountMenu user={user} wide={wide} defaultOpen />
    </Suspense>
  );
}

/**
 * The one place for errors that belong to no page: the server stopped answering. Shown above every
 * page while any query's last attempt could not reach it, with a way to try again.
 */
function ServerUnreachable() {
  const queryClient = useQueryClient();
  const cache = queryClient.getQueryCache();
  const unreachable = useSyncExternalStore(
    (onChange) => cache.subscribe(onChange),
    () => cache.getAll().some((query) => query.state.status === "error" && isUnreachable(query.state.error)),
  );
  if (!unreachable) return null;
  return (
    <div
      role="alert"
      className="flex flex-wrap items-center justify-between gap-3 border-b border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900 sm:px-8 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200"
    >
      <span>{UNREACHABLE_MESSAGE}</span>
      <Button variant="secondary" onClick={() => void queryClient.refetchQueries({ type: "active" })}>
        Try again
      </Button>
    </div>
  );
}
