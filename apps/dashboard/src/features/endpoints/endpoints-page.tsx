import { CRM_PRESETS } from "@genie/schemas";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { Button, Callout, EmptyState, Facts, LoadError, Loading, PageHeader } from "../../components/ui";
import { dateTime } from "../../lib/format";
import { errorMessage, trpc } from "../../lib/trpc";
import { VisibleText } from "../../lib/visible-text";
import { healthFacts, StatusBadge } from "./health";

export function EndpointsPage() {
  // Asked again every 30 s, like the health below: the worker may disable an endpoint meanwhile.
  const endpoints = useQuery({ ...trpc.endpoints.list.queryOptions(), refetchInterval: 30_000 });
  // Health is a separate, heavier query: the list shows at once and the figures fill in.
  const health = useQuery({ ...trpc.endpoints.health.queryOptions(), refetchInterval: 30_000 });
  const healthOf = (id: string) => health.data?.find((h) => h.endpointId === id);

  const addButton = (
    <Button asChild>
      <Link to="/endpoints/new">Add endpoint</Link>
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Endpoints"
        description="Where Genie sends each registration: your CRM's webhook URLs, with how their deliveries are going."
        actions={endpoints.data?.length ? addButton : undefined}
      />
      {endpoints.isPending ? (
        <Loading label="Loading your endpoints…" />
      ) : endpoints.isError ? (
        <LoadError
          title="Your endpoints could not be loaded"
          message={errorMessage(endpoints.error)}
          onRetry={() => void endpoints.refetch()}
        />
      ) : endpoints.data.length === 0 ? (
        <EmptyState title="No endpoints yet" action={addButton}>
          Add the webhook URL of your CRM (GoHighLevel, Make.com, Zapier or your own server) and every new
          registration reaches it within seconds, signed so it can check the sender.
        </EmptyState>
      ) : (
        <ul className="space-y-4" aria-label="Endpoints">
          {health.isError && (
            <li>
              <Callout tone="warning" title="Delivery health could not be loaded">
                {errorMessage(health.error)} The endpoints themselves are listed below.
              </Callout>
            </li>
          )}
          {endpoints.data.map((endpoint) => (
            <li
              key={endpoint.id}
              className="card relative p-5 hover:border-zinc-300 dark:hover:border-zinc-700"
            >
              <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
                <div className="min-w-0 space-y-1">
                  <h2 className="font-semibold break-words">
                    {/* The whole card is the link's target area (after:inset-0), one tab stop per endpoint. */}
                    <Link
                      to="/endpoints/$endpointId"
                      params={{ endpointId: endpoint.id }}
                      className="rounded after:absolute after:inset-0 after:rounded-xl"
                    >
                      <VisibleText text={endpoint.name || CRM_PRESETS[endpoint.crm].label} />
                    </Link>
                  </h2>
                  <p className="font-mono text-sm break-all text-zinc-600 dark:text-zinc-400">
                    {endpoint.url}
                  </p>
                </div>
                <div className="flex shrink-0 flex-wrap items-center gap-2">
                  <span className="text-xs text-zinc-500 dark:text-zinc-400">
                    {CRM_PRESETS[endpoint.crm].label}
                  </span>
                  <StatusBadge endpoint={endpoint} health={healthOf(endpoint.id)} />
                </div>
              </div>
              {!endpoint.enabled && endpoint.disabledReason && (
                <p className="mt-3 text-sm break-words text-red-700 dark:text-red-400">
                  {endpoint.disabledAt ? `Disabled ${dateTime(endpoint.disabledAt)}: ` : "Disabled: "}
                  {endpoint.disabledReason}
                </p>
              )}
              {endpoint.enabled &&
                healthOf(endpoint.id)?.lastError &&
                (healthOf(endpoint.id)?.failuresInARow ?? 0) > 0 && (
                  <p
                    className="mt-3 text-sm break-words text-amber-800 dark:text-amber-300"
                    data-testid="last-error"
                  >
                    Last error: <VisibleText text={healthOf(endpoint.id)?.lastError} />
                  </p>
                )}
              <div className="mt-4 border-t border-zinc-100 pt-4 dark:border-zinc-800">
                {health.isPending ? (
                  <p className="hint">Loading delivery health…</p>
                ) : (
                  <Facts items={healthFacts(healthOf(endpoint.id))} />
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
