import { useSuspenseQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { useState } from "react";
import {
  Badge,
  Button,
  Callout,
  CodeBlock,
  CopyButton,
  Facts,
  PageHeader,
  Section,
} from "../../components/ui";
import { countdown, dateTime, duration, elapsed } from "../../lib/format";
import { useNow } from "../../lib/now";
import { errorMessage, trpc } from "../../lib/trpc";
import { revealHidden, VisibleText } from "../../lib/visible-text";
import { type DeliveryDetail, useCancelDelivery, useLiveDeliveries, useRedeliver } from "./api";
import { DeliveryStateBadge, statusText } from "./state";

const route = getRouteApi("/app/deliveries/$deliveryId");

/** One delivery, at its own URL: who it was about, where it went, every attempt, what comes next. */
export function DeliveryPage() {
  const { deliveryId } = route.useParams();
  // The route's loader fetched it; errors and loading are the route's error and pending components.
  const { data } = useSuspenseQuery(trpc.deliveries.byId.queryOptions({ id: deliveryId }));
  useLiveDeliveries();
  const { delivery, contact, endpoint } = data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-4 text-sm">
        <Link
          to="/deliveries"
          className="text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
        >
          ← Delivery log
        </Link>
      </nav>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span>{delivery.eventType}</span>
            <DeliveryStateBadge state={delivery.state} />
          </span>
        }
        description={`Created ${dateTime(delivery.createdAt)}. Attempt ${delivery.attemptCount} of ${delivery.maxAttempts}.`}
        actions={<Actions detail={data} />}
      />
      <div className="space-y-6">
        <NextAttempt detail={data} />
        <Section title="About">
          <Facts
            items={[
              {
                term: "Contact",
                value: contact ? (
                  <Link
                    to="/contacts/$contactId"
                    params={{ contactId: contact.id }}
                    className="text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
                  >
                    <VisibleText text={contact.name ? `${contact.name} <${contact.email}>` : contact.email} />
                  </Link>
                ) : (
                  "Erased, or not about a contact"
                ),
              },
              {
                term: "Endpoint",
                value: (
                  <Link
                    to="/endpoints/$endpointId"
                    params={{ endpointId: endpoint.id }}
                    className="text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
                  >
                    <VisibleText text={endpoint.name || endpoint.url} />
                  </Link>
                ),
              },
              { term: "Event id (webhook-id)", value: <code className="break-all">{delivery.eventId}</code> },
              { term: "Format", value: data.payloadFormat === "flat" ? "Flat keys" : "Nested JSON" },
            ]}
          />
        </Section>
        <Attempts detail={data} />
        <Section
          title="Payload"
          description="The exact body every attempt sends (the signature covers these bytes). Once the delivery is finished, it is rebuilt from its contact: a project renamed since shows its new name."
          actions={data.payload !== null && <CopyButton text={pretty(data.payload)} label="Copy payload" />}
        >
          {data.payload === null ? (
            <p className="hint">
              The body is gone: removed by the retention period or because its contact was erased. This
              delivery cannot be sent again.
            </p>
          ) : (
            <CodeBlock label="Payload" testId="payload">
              {revealHidden(pretty(data.payload))}
            </CodeBlock>
          )}
        </Section>
        <Section
          title="Headers Genie sends"
          description="Every attempt carries these. Signatures change with each attempt's timestamp; custom header values stay masked."
        >
          <dl className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
            {data.headers.map((header) => (
              <div key={header.name} className="grid gap-1 py-2 sm:grid-cols-[14rem_1fr]">
                <dt className="font-mono break-all">
                  <VisibleText text={header.name} />
                </dt>
                <dd className="hint break-words">{header.value}</dd>
              </div>
            ))}
          </dl>
        </Section>
      </div>
    </>
  );
}

function pretty(payload: unknown): string {
  return typeof payload === "string" ? payload : JSON.stringify(payload, null, 2);
}

/** Redeliver (a finished delivery) or cancel (a pending one), with the answer shown right here. */
function Actions({ detail }: { detail: DeliveryDetail }) {
  const redeliver = useRedeliver();
  const cancel = useCancelDelivery();
  const [result, setResult] = useState<{ tone: "success" | "danger"; text: string } | null>(null);
  const { delivery } = detail;
  const pending = delivery.status === "pending";
  const act = async (what: "redeliver" | "cancel") => {
    setResult(null);
    try {
      if (what === "redeliver") await redeliver.mutateAsync({ id: delivery.id });
      else await cancel.mutateAsync({ id: delivery.id });
      setResult({
        tone: "success",
        text:
          what === "redeliver" ? "Queued again: it is being sent now." : "Cancelled: it will not be sent.",
      });
    } catch (error) {
      setResult({ tone: "danger", text: errorMessage(error) });
    }
  };
  return (
    <div className="flex flex-col items-stretch gap-2 sm:items-end">
      <div className="flex gap-2">
        {pending ? (
          <Button variant="secondary" busy={cancel.isPending} onClick={() => void act("cancel")}>
            Cancel delivery
          </Button>
        ) : (
          <Button
            busy={redeliver.isPending}
            disabled={detail.payload === null}
            onClick={() => void act("redeliver")}
          >
            Redeliver
          </Button>
        )}
      </div>
      <p
        role="status"
        className={`text-sm ${result?.tone === "danger" ? "text-red-700 dark:text-red-400" : "text-emerald-700 dark:text-emerald-400"}`}
      >
        {result?.text}
      </p>
    </div>
  );
}

/** The next retry as it will happen: a countdown, from the time the worker will pick it up. */
function NextAttempt({ detail }: { detail: DeliveryDetail }) {
  const now = useNow(500);
  const next = detail.delivery.nextAttemptAt;
  if (!next) return null;
  return (
    <Callout
      tone={detail.delivery.state === "retrying" ? "warning" : "info"}
      title={`Next attempt ${countdown(next, now)}`}
    >
      <span data-testid="next-attempt">
        Attempt {detail.delivery.attemptCount + 1} of {detail.delivery.maxAttempts}, at {dateTime(next)}.
        {detail.delivery.lastError && (
          <>
            {" "}
            The last one failed: <VisibleText text={detail.delivery.lastError} />.
          </>
        )}
      </span>
    </Callout>
  );
}

/** Each attempt in time order, with the wait before it (from the end of one to the start of the next). */
function Attempts({ detail }: { detail: DeliveryDetail }) {
  const { attempts } = detail;
  return (
    <Section
      title="Attempts"
      description={`Retries wait ${detail.retryWaitsMs.map(duration).join(", then ") || "not at all"} (a receiver's Retry-After may ask for longer).`}
    >
      {attempts.length === 0 ? (
        <p className="hint">No attempt yet: the first one happens as soon as a worker picks it up.</p>
      ) : (
        <ol className="space-y-3" aria-label="Attempts, first to last">
          {attempts.map((attempt, index) => {
            const previous = attempts[index - 1];
            const started = new Date(attempt.createdAt).getTime() - (attempt.durationMs ?? 0);
            const wait = previous ? started - new Date(previous.createdAt).getTime() : null;
            return (
              <li key={attempt.id} data-testid="attempt">
                {wait !== null && (
                  <p className="hint mb-2 pl-4 text-xs" data-testid="wait" data-wait-ms={Math.max(0, wait)}>
                    waited {elapsed(Math.max(0, wait))}
                  </p>
                )}
                <div className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span className="flex items-center gap-2 font-medium">
                      Attempt {attempt.attemptNumber}
                      <Badge tone={attempt.success ? "success" : "danger"}>
                        {attempt.success ? "Accepted" : "Failed"} ·{" "}
                        {statusText(attempt.statusCode, attempt.errorMessage)}
                      </Badge>
                    </span>
                    <span className="hint text-sm">
                      {dateTime(attempt.createdAt)}
                      {attempt.durationMs !== null && ` · took ${elapsed(attempt.durationMs)}`}
                    </span>
                  </div>
                  {attempt.errorMessage && (
                    <p className="mt-2 text-sm">
                      <VisibleText text={attempt.errorMessage} />
                    </p>
                  )}
                  {attempt.responseExcerpt && (
                    <div className="mt-3">
                      <CodeBlock label={`Answer to attempt ${attempt.attemptNumber}`} wrap>
                        {revealHidden(attempt.responseExcerpt)}
                      </CodeBlock>
                    </div>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </Section>
  );
}
