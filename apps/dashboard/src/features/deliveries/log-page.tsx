import { DELIVERY_STATES, STATUS_CLASSES, SUBSCRIBABLE_EVENTS } from "@genie/schemas";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { FilterSelect, SearchBox } from "../../components/filters";
import { Badge, Button, Callout, EmptyState, LoadError, Loading, PageHeader } from "../../components/ui";
import { countdown, dateTime, elapsed, plural, timeAgo } from "../../lib/format";
import { useNow } from "../../lib/now";
import { errorMessage, trpc } from "../../lib/trpc";
import { VisibleText } from "../../lib/visible-text";
import {
  type DeliverySummary,
  useDeliveryList,
  useLiveDeliveries,
  useRedeliverFailed,
  useTestSends,
} from "./api";
import { type LogSearch, RANGES, type Range } from "./search";
import { DeliveryStateBadge, STATE_LABELS, statusText } from "./state";

const route = getRouteApi("/app/deliveries");

const RANGE_LABELS: Record<Range, string> = {
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
};
const STATUS_LABELS = {
  "2xx": "2xx (accepted)",
  "4xx": "4xx (refused)",
  "5xx": "5xx (receiver error)",
  network: "No answer (network)",
};

export function DeliveryLogPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: "/deliveries" });
  const live = useLiveDeliveries();
  const setSearch = (patch: Partial<LogSearch>) =>
    navigate({ search: (previous) => clean({ ...previous, ...patch }), replace: true });

  return (
    <>
      <PageHeader
        title="Delivery log"
        description="Every webhook Genie sends, newest first: who it was about, where it went, and what the receiver answered."
        actions={<LiveBadge state={live} />}
      />
      <div
        role="tablist"
        aria-label="What to show"
        className="mb-6 flex gap-1 border-b border-zinc-200 dark:border-zinc-800"
      >
        <Tab selected={!search.tab} onSelect={() => setSearch({ tab: undefined })}>
          Deliveries
        </Tab>
        <Tab selected={search.tab === "tests"} onSelect={() => setSearch({ tab: "tests" })}>
          Test sends
        </Tab>
      </div>
      {search.tab === "tests" ? <TestSends /> : <Deliveries search={search} setSearch={setSearch} />}
    </>
  );
}

/** Drops empty filters, so the URL only says what is set. */
function clean(search: LogSearch): LogSearch {
  return Object.fromEntries(
    Object.entries(search).filter(([, v]) => v !== undefined && v !== ""),
  ) as LogSearch;
}

function LiveBadge({ state }: { state: "live" | "connecting" | "off" }) {
  return (
    <span aria-live="polite" data-testid="live-state">
      {state === "live" ? (
        <Badge tone="success">● Live</Badge>
      ) : state === "connecting" ? (
        <Badge tone="warning">Reconnecting…</Badge>
      ) : (
        <Badge>Not live: reload to see new deliveries</Badge>
      )}
    </span>
  );
}

function Tab({
  selected,
  onSelect,
  children,
}: {
  selected: boolean;
  onSelect: () => void;
  children: string;
}) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={selected}
      onClick={onSelect}
      className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${
        selected
          ? "border-indigo-600 text-indigo-700 dark:border-indigo-400 dark:text-indigo-300"
          : "border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white"
      }`}
    >
      {children}
    </button>
  );
}

function Deliveries({
  search,
  setSearch,
}: {
  search: LogSearch;
  setSearch: (patch: Partial<LogSearch>) => void;
}) {
  // The range's start is fixed when the range is picked, so the list's key does not move each second.
  const from = useMemo(
    () => (search.range ? new Date(Date.now() - RANGES[search.range]).toISOString() : undefined),
    [search.range],
  );
  const list = useDeliveryList({
    ...(search.state && { state: search.state }),
    ...(search.status && { statusClass: search.status }),
    ...(search.endpoint && { endpointId: search.endpoint }),
    ...(search.event && { eventType: search.event }),
    ...(search.q && { search: search.q }),
    ...(from && { from }),
    limit: 25,
  });
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Object.keys(search).length > 0;

  return (
    <div className="space-y-4">
      <Filters search={search} setSearch={setSearch} />
      <RedeliverFailed search={search} from={from} />
      {list.isPending ? (
        <Loading label="Loading deliveries…" />
      ) : list.isError ? (
        <LoadError
          title="The log could not be loaded"
          message={errorMessage(list.error)}
          onRetry={() => void list.refetch()}
        />
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No delivery matches these filters"
            action={
              <Button
                variant="secondary"
                onClick={() =>
                  setSearch({
                    state: undefined,
                    status: undefined,
                    endpoint: undefined,
                    event: undefined,
                    range: undefined,
                    q: undefined,
                  })
                }
              >
                Clear the filters
              </Button>
            }
          >
            Search looks for a contact's exact email or an event id (the <code>webhook-id</code> header your
            receiver logged).
          </EmptyState>
        ) : (
          <EmptyState
            title="No deliveries yet"
            action={
              <Button asChild>
                <Link to="/funnels">Set up a funnel</Link>
              </Button>
            }
          >
            When a registration arrives from one of your funnels, its webhook appears here at once, without a
            reload.
          </EmptyState>
        )
      ) : (
        <>
          <DeliveryTable rows={rows} />
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="hint">
              {plural(rows.length, "delivery", "deliveries")} shown. Attempts are kept{" "}
              {list.data.pages[0]?.keptDays} days.
            </p>
            {list.hasNextPage && (
              <Button
                variant="secondary"
                busy={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                Load more
              </Button>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function Filters({
  search,
  setSearch,
}: {
  search: LogSearch;
  setSearch: (patch: Partial<LogSearch>) => void;
}) {
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  return (
    <div className="card space-y-3 p-4">
      <SearchBox
        id="log-search"
        label="Contact email or event id"
        placeholder="Contact email or event id"
        initial={search.q}
        onSearch={(q) => setSearch({ q })}
      />
      <div className="grid grid-cols-2 gap-2 lg:grid-cols-5">
        <FilterSelect
          label="Status"
          value={search.state}
          onChange={(state) => setSearch({ state: state as LogSearch["state"] })}
        >
          {DELIVERY_STATES.map((state) => (
            <option key={state} value={state}>
              {STATE_LABELS[state]}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect
          label="Last answer"
          value={search.status}
          onChange={(status) => setSearch({ status: status as LogSearch["status"] })}
        >
          {STATUS_CLASSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect
          label="Endpoint"
          value={search.endpoint}
          onChange={(endpoint) => setSearch({ endpoint })}
        >
          {endpoints.data?.map((endpoint) => (
            <option key={endpoint.id} value={endpoint.id}>
              {endpoint.name || endpoint.url}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect label="Event" value={search.event} onChange={(event) => setSearch({ event })}>
          {SUBSCRIBABLE_EVENTS.map((event) => (
            <option key={event} value={event}>
              {event}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect
          label="When"
          value={search.range}
          onChange={(range) => setSearch({ range: range as Range })}
          anyLabel="Any time"
        >
          {(Object.keys(RANGES) as Range[]).map((range) => (
            <option key={range} value={range}>
              {RANGE_LABELS[range]}
            </option>
          ))}
        </FilterSelect>
      </div>
    </div>
  );
}

/**
 * Queues again every failed delivery of the view. The server can do it for a period and an endpoint;
 * other filters (search, last answer, event) are not part of it, so the button says when they are set.
 */
function RedeliverFailed({ search, from }: { search: LogSearch; from: string | undefined }) {
  const redeliver = useRedeliverFailed();
  const [progress, setProgress] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  if (search.state && search.state !== "failed") return null;
  const narrowed = search.q || search.status || search.event;
  const scope = `${search.range ? RANGE_LABELS[search.range].toLowerCase() : "of any time"}${search.endpoint ? ", this endpoint only" : ""}`;
  const run = async () => {
    setDone(null);
    setFailure(null);
    setProgress(0);
    try {
      const count = await redeliver.run(
        {
          from: from ?? new Date(0).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
          ...(search.endpoint && { endpointId: search.endpoint }),
        },
        setProgress,
      );
      setDone(
        count === 0
          ? "No failed delivery to send again in this view."
          : `${plural(count, "failed delivery", "failed deliveries")} queued again; they are being sent now.`,
      );
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setProgress(null);
    }
  };
  return (
    <div className="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
      <p className="hint" aria-live="polite">
        {progress !== null
          ? `Queuing failed deliveries again… ${progress.toLocaleString()} so far`
          : (done ??
            (narrowed
              ? "Clear the search, last-answer and event filters to redeliver the failed ones in bulk."
              : `Failed deliveries ${scope} can be sent again in one go.`))}
      </p>
      {failure && (
        <Callout tone="danger" title="Could not redeliver" alert>
          {failure}
        </Callout>
      )}
      <Button variant="secondary" disabled={!!narrowed} busy={progress !== null} onClick={() => void run()}>
        Redeliver the failed ones in this view
      </Button>
    </div>
  );
}

/** A delivery's state, and when a waiting one is tried next. */
function RowState({ row, now }: { row: DeliverySummary; now: number }) {
  return (
    <>
      <DeliveryStateBadge state={row.state} />
      {row.nextAttemptAt && (
        <div className="hint mt-1 text-xs" title={dateTime(row.nextAttemptAt)}>
          next {countdown(row.nextAttemptAt, now)}
        </div>
      )}
    </>
  );
}

function DeliveryTable({ rows }: { rows: DeliverySummary[] }) {
  const now = useNow(1000);
  return (
    <div className="card overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Deliveries, newest first</caption>
        <thead className="border-b border-zinc-200 text-xs text-zinc-600 uppercase dark:border-zinc-800 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium">
              Time
            </th>
            <th scope="col" className="px-4 py-2 font-medium">
              Contact<span className="sm:hidden"> and status</span>
            </th>
            <th scope="col" className="hidden px-4 py-2 font-medium md:table-cell">
              Endpoint
            </th>
            <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
              Status
            </th>
            <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
              Attempts
            </th>
            <th scope="col" className="hidden px-4 py-2 font-medium lg:table-cell">
              Answer
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {rows.map((row) => (
            <tr
              key={row.id}
              data-testid="delivery-row"
              className="hover:bg-zinc-50 dark:hover:bg-zinc-800/50"
            >
              <td className="px-4 py-3 align-top whitespace-nowrap">
                <Link
                  to="/deliveries/$deliveryId"
                  params={{ deliveryId: row.id }}
                  className="font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
                  title={dateTime(row.createdAt)}
                >
                  {timeAgo(row.createdAt, now)}
                </Link>
                <div className="hint text-xs">{row.eventType}</div>
              </td>
              <td className="max-w-[12rem] px-4 py-3 align-top break-words">
                {row.contactEmail ? (
                  <VisibleText text={row.contactEmail} />
                ) : (
                  <span className="hint">erased or none</span>
                )}
                {/* On a phone the status sits under the contact: three columns do not fit. */}
                <div className="mt-1 sm:hidden">
                  <RowState row={row} now={now} />
                </div>
              </td>
              <td className="hidden max-w-[14rem] px-4 py-3 align-top break-words md:table-cell">
                <VisibleText text={row.endpointName || row.endpointUrl} />
              </td>
              <td className="hidden px-4 py-3 align-top sm:table-cell">
                <RowState row={row} now={now} />
              </td>
              <td className="hidden px-4 py-3 align-top whitespace-nowrap sm:table-cell">
                {row.attemptCount} of {row.maxAttempts}
              </td>
              <td className="hidden px-4 py-3 align-top whitespace-nowrap lg:table-cell">
                {statusText(row.lastStatusCode, row.lastError)}
                {row.lastDurationMs !== null && (
                  <span className="hint"> · {elapsed(row.lastDurationMs)}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TestSends() {
  const list = useTestSends();
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  if (list.isPending) return <Loading label="Loading test sends…" />;
  if (list.isError)
    return (
      <LoadError
        title="Test sends could not be loaded"
        message={errorMessage(list.error)}
        onRetry={() => void list.refetch()}
      />
    );
  if (rows.length === 0)
    return (
      <EmptyState
        title="No test sends yet"
        action={
          <Button asChild>
            <Link to="/send-test">Send a test</Link>
          </Button>
        }
      >
        Test sends check an endpoint by hand. They are kept apart from deliveries and never count as failures.
      </EmptyState>
    );
  return (
    <div className="space-y-4">
      <ul className="card divide-y divide-zinc-100 dark:divide-zinc-800">
        {rows.map((row) => (
          <li key={row.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-sm">
            <span className="min-w-0 break-all">
              <VisibleText text={row.webhookUrl} />
            </span>
            <span className="flex items-center gap-2 whitespace-nowrap">
              <Badge tone={row.success ? "success" : "danger"}>{row.success ? "Accepted" : "Failed"}</Badge>
              {statusText(row.statusCode, row.errorMessage)}
              <span className="hint" title={dateTime(row.createdAt)}>
                {timeAgo(row.createdAt)}
              </span>
            </span>
          </li>
        ))}
      </ul>
      {list.hasNextPage && (
        <Button variant="secondary" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          Load more
        </Button>
      )}
    </div>
  );
}
