import type { ReactNode } from "react";
import { Badge, type Tone } from "../../components/ui";
import { percent, plural, timeAgo } from "../../lib/format";
import type { Endpoint, EndpointHealth } from "../../lib/trpc";

/** One word for an endpoint's state, from its switch and its recent deliveries. */
export function endpointStatus(endpoint: Endpoint, health?: EndpointHealth): { tone: Tone; label: string } {
  if (!endpoint.enabled) return { tone: "danger", label: "Disabled" };
  if (!health || (!health.lastSuccessAt && !health.lastFailureAt))
    return { tone: "neutral", label: "No deliveries yet" };
  if (health.failuresInARow > 0) return { tone: "warning", label: "Failing" };
  return { tone: "success", label: "Healthy" };
}

export function StatusBadge({
  endpoint,
  health,
}: {
  endpoint: Endpoint;
  health?: EndpointHealth | undefined;
}) {
  const status = endpointStatus(endpoint, health);
  return <Badge tone={status.tone}>{status.label}</Badge>;
}

function When({ iso }: { iso: string | null }) {
  return iso ? (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {timeAgo(iso)}
    </time>
  ) : (
    <>Never</>
  );
}

/** The four health figures, as term/value pairs for a list row or an endpoint's page. */
export function healthFacts(health: EndpointHealth | undefined): { term: string; value: ReactNode }[] {
  if (!health) return [];
  return [
    { term: "Last success", value: <When iso={health.lastSuccessAt} /> },
    { term: "Last failure", value: <When iso={health.lastFailureAt} /> },
    {
      term: "Failures in a row",
      value: (
        <span className={health.failuresInARow > 0 ? "font-semibold text-amber-700 dark:text-amber-400" : ""}>
          {health.failuresInARow.toLocaleString()}
        </span>
      ),
    },
    {
      term: "Success, last 24 h",
      value:
        health.successRate24h === null ? (
          "No attempts"
        ) : (
          <>
            {percent(health.successRate24h)}{" "}
            <span className="text-zinc-600 dark:text-zinc-400">
              of {plural(health.attempts24h, "attempt", "attempts")}
            </span>
          </>
        ),
    },
  ];
}
