import { type ErrorComponentProps, Link, useRouter } from "@tanstack/react-router";
import { errorMessage } from "../lib/trpc";
import { Button } from "./ui";

export function NotFoundPage() {
  return (
    <main className="mx-auto max-w-lg px-6 py-24 text-center">
      <p className="text-sm font-semibold text-indigo-600 dark:text-indigo-400">404</p>
      <h1 className="mt-2 text-2xl font-semibold">This page does not exist</h1>
      <p className="hint mt-3">The link may be old, or the address mistyped.</p>
      <Button asChild className="mt-8">
        <Link to="/">Go to the overview</Link>
      </Button>
    </main>
  );
}

/** A page that failed to load or render: say so plainly and offer to try again. */
export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  // A loader's failure is kept by the router: trying again runs the loaders again, then renders.
  const retry = () => {
    reset();
    void router.invalidate();
  };
  return (
    <main className="mx-auto max-w-lg px-6 py-24 text-center">
      <h1 className="text-2xl font-semibold">This page could not be shown</h1>
      {/* Rendered as text: an error message can carry what a receiver or visitor sent. */}
      <p className="hint mt-3 break-words">{errorMessage(error)}</p>
      <div className="mt-8 flex justify-center gap-2">
        <Button onClick={retry}>Try again</Button>
        <Button asChild variant="secondary">
          <Link to="/">Go to the overview</Link>
        </Button>
      </div>
    </main>
  );
}
