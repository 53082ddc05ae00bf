import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { lazy, Suspense, useMemo } from "react";
import {
  Badge,
  Button,
  Callout,
  LoadError,
  Loading,
  PageHeader,
  Section,
  type Tone,
} from "../../components/ui";
import { elapsed, percent, plural, timeAgo } from "../../lib/format";
import { type Endpoint, type EndpointHealth, errorMessage, trpc } from "../../lib/trpc";
import { VisibleText } from "../../lib/visible-text";
import type { OverviewSearch } from "./search";

const AttemptsChart = lazy(() => import("./attempts-chart").then((m) => ({ default: m.AttemptsChart })));

const route = getRouteApi("/app/");
const HOUR = 3_600_000;
const PRESETS = { "24h": 24 * HOUR, "7d": 7 * 24 * HOUR, "30d": 30 * 24 * HOUR } as const;
const RANGE_LABELS = { "24h": "24 hours", "7d": "7 days", "30d": "30 days", custom: "Custom" } as const;

/** The range's bounds and bucket: hours up to a week, days beyond. Custom dates are local midnights. */
function rangeOf(search: OverviewSearch, now: number) {
  if (search.range === "custom" && search.from && search.to) {
    const from = new Date(`${search.from}T00:00:00`);
    const to = new Date(`${search.to}T00:00:00`);
    to.setDate(to.getDate() + 1);
    if (from < to && to.getTime() - from.getTime() <= 366 * 24 * HOUR) {
      const bucket = to.getTime() - from.getTime() <= 7 * 24 * HOUR ? "hour" : "day";
      return { from: from.toISOString(), to: to.toISOString(), bucket } as const;
    }
  }
  const span = PRESETS[search.range === "7d" || search.range === "30d" ? search.range : "24h"];
  return {
    from: new Date(now - span).toISOString(),
    to: new Date(now).toISOString(),
    bucket: span > 7 * 24 * HOUR ? "day" : "hour",
  } as const;
}

export function OverviewPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: "/" });
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const range = useMemo(() => rangeOf(search, Date.now()), [search.range, search.from, search.to]);
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  const health = useQuery(trpc.endpoints.health.queryOptions());
  const funnels = useQuery(trpc.funnels.list.queryOptions());
  const stats = useQuery({
    ...trpc.stats.overview.queryOptions({ ...range, timeZone }),
    refetchInterval: 60_000,
  });

  if (endpoints.isPending || funnels.isPending) return <Loading label="Loading your overview…" />;
  if (endpoints.isError || funnels.isError)
    return (
      <LoadError
        title="The overview could not be loaded"
        message={errorMessage(endpoints.error ?? funnels.error)}
        onRetry={() => void Promise.all([endpoints.refetch(), funnels.refetch()])}
      />
    );
  const empty = endpoints.data.length === 0 || funnels.data.length === 0;

  return (
    <>
      <PageHeader title="Overview" description="How your webhooks are doing, and what needs you." />
      {empty && <FirstSteps hasFunnel={funnels.data.length > 0} hasEndpoint={endpoints.data.length > 0} />}
      {!(empty && (stats.data?.totals.attempts ?? 0) === 0) && (
        <div className="space-y-6">
          <fieldset className="flex flex-wrap items-end gap-2">
            <legend className="sr-only">Period</legend>
            {(Object.keys(RANGE_LABELS) as (keyof typeof RANGE_LABELS)[]).map((key) => (
              <Button
                key={key}
                variant={(search.range ?? "24h") === key ? "primary" : "secondary"}
                aria-pressed={(search.range ?? "24h") === key}
                onClick={() => void navigate({ search: (s) => ({ ...s, range: key }), replace: true })}
              >
                {RANGE_LABELS[key]}
              </Button>
            ))}
            {search.range === "custom" && (
              <CustomRange
                search={search}
                onChange={(patch) => void navigate({ search: (s) => ({ ...s, ...patch }), replace: true })}
              />
            )}
          </fieldset>
          {stats.isPending ? (
            <Loading label="Counting attempts…" />
          ) : stats.isError ? (
            <LoadError
              title="The figures could not be loaded"
              message={errorMessage(stats.error)}
              onRetry={() => void stats.refetch()}
            />
          ) : (
            <>
              <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
                <Tile
                  term="Success rate"
                  value={
                    stats.data.totals.successRate === null ? "—" : percent(stats.data.totals.successRate)
                  }
                  detail={`${plural(stats.data.totals.attempts, "attempt", "attempts")}, ${stats.data.totals.failed.toLocaleString()} failed`}
                />
                <Tile
                  term="Latency p50"
                  value={stats.data.totals.p50Ms === null ? "—" : elapsed(stats.data.totals.p50Ms)}
                  detail="half the attempts took less"
                />
                <Tile
                  term="Latency p95"
                  value={stats.data.totals.p95Ms === null ? "—" : elapsed(stats.data.totals.p95Ms)}
                  detail="19 in 20 took less"
                />
                <Tile
                  term="Pending now"
                  value={stats.data.pendingNow.toLocaleString()}
                  detail={
                    <Link
                      to="/deliveries"
                      search={{ state: "retrying" }}
                      className="underline-offset-2 hover:underline"
                    >
                      see retrying ones
                    </Link>
                  }
                />
              </dl>
              <Section
                title="Attempts"
                description={`Per ${range.bucket} in your time zone (${timeZone}). Test sends are not counted.`}
              >
                <Suspense fallback={<Loading label="Drawing the chart…" />}>
                  <AttemptsChart points={stats.data.series} bucket={range.bucket} />
                </Suspense>
              </Section>
            </>
          )}
          <NeedsAttention endpoints={endpoints.data} health={health.data ?? []} />
        </div>
      )}
    </>
  );
}

function Tile({ term, value, detail }: { term: string; value: string; detail: React.ReactNode }) {
  return (
    <div className="card p-4">
      <dt className="text-xs font-medium tracking-wide text-zinc-600 uppercase dark:text-zinc-400">{term}</dt>
      <dd className="mt-1 text-2xl font-semibold">{value}</dd>
      <dd className="hint mt-1 text-xs">{detail}</dd>
    </div>
  );
}

function CustomRange({
  search,
  onChange,
}: {
  search: OverviewSearch;
  onChange: (patch: OverviewSearch) => void;
}) {
  return (
    <div className="flex flex-wrap gap-2">
      <label className="text-xs font-medium">
        From
        <input
          className="input mt-1"
          type="date"
          value={search.from ?? ""}
          onChange={(e) => onChange({ from: e.target.value })}
        />
      </label>
      <label className="text-xs font-medium">
        To
        <input
          className="input mt-1"
          type="date"
          value={search.to ?? ""}
          onChange={(e) => onChange({ to: e.target.value })}
        />
      </label>
    </div>
  );
}

/** Endpoints that are disabled, or whose last attempts failed: each a link to its page. */
function NeedsAttention({ endpoints, health }: { endpoints: Endpoint[]; health: EndpointHealth[] }) {
  const byId = new Map(health.map((h) => [h.endpointId, h]));
  const troubled = endpoints.flatMap(
    (endpoint): { endpoint: Endpoint; tone: Tone; label: string; why: string }[] => {
      const h = byId.get(endpoint.id);
      if (!endpoint.enabled)
        return [
          {
            endpoint,
            tone: "neutral",
            label: "Disabled",
            why: endpoint.disabledReason ?? "Turned off by hand.",
          },
        ];
      if (h && h.failuresInARow > 0)
        return [
          {
            endpoint,
            tone: "danger",
            label: "Failing",
            why: `${plural(h.failuresInARow, "failure", "failures")} in a row${h.lastError ? `: ${h.lastError}` : ""}${h.lastFailureAt ? ` (${timeAgo(h.lastFailureAt)})` : ""}`,
          },
        ];
      return [];
    },
  );
  return (
    <Section
      title="Endpoints that need you"
      description="Disabled ones receive nothing; failing ones are being retried."
    >
      {troubled.length === 0 ? (
        <p className="hint">Every endpoint is enabled and its last attempt succeeded.</p>
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="troubled-endpoints">
          {troubled.map(({ endpoint, tone, label, why }) => (
            <li
              key={endpoint.id}
              className="flex flex-col gap-1 py-3 sm:flex-row sm:items-center sm:justify-between"
            >
              <span className="min-w-0">
                <Link
                  to="/endpoints/$endpointId"
                  params={{ endpointId: endpoint.id }}
                  className="font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
                >
                  <VisibleText text={endpoint.name || endpoint.url} />
                </Link>
                <span className="hint block text-sm break-words">
                  <VisibleText text={why} />
                </span>
              </span>
              <Badge tone={tone}>{label}</Badge>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

/** An empty account: what to do first, in order, instead of an empty chart. */
function FirstSteps({ hasFunnel, hasEndpoint }: { hasFunnel: boolean; hasEndpoint: boolean }) {
  return (
    <Callout tone="info" title="Get your first lead into your CRM">
      <ol className="mt-2 list-decimal space-y-2 pl-5">
        <li>
          {hasFunnel ? "Done: " : ""}
          <Link to="/funnels" className="font-medium underline underline-offset-2">
            Create a funnel
          </Link>{" "}
          for the pages your registration form is on, and copy its embed snippet.
        </li>
        <li>
          {hasEndpoint ? "Done: " : ""}
          <Link to="/endpoints/new" className="font-medium underline underline-offset-2">
            Add an endpoint
          </Link>
          : the webhook URL your CRM (GoHighLevel, Zapier, Make) gave you.
        </li>
        <li>Submit the form once: the webhook shows up in the delivery log within a second.</li>
      </ol>
    </Callout>
  );
}
