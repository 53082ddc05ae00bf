import { CRM_PRESETS, DEFAULT_EVENTS } from "@genie/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { type FormEvent, lazy, Suspense, useState } from "react";
import { SchemaForm } from "../../components/form";
import { useToast } from "../../components/toast";
import { Button, Callout, Facts, Loading, PageHeader, Section } from "../../components/ui";
import type { FieldErrors } from "../../lib/form";
import { dateTime, plural } from "../../lib/format";
import { type Endpoint, errorMessage, serverFieldErrors, trpc } from "../../lib/trpc";
import {
  checkEndpointForm,
  EndpointFields,
  type EndpointFormValues,
  newHeaderRow,
  pacingFacts,
  pacingText,
} from "./endpoint-fields";
import { healthFacts, StatusBadge } from "./health";
import { SecretOnce } from "./secret-once";

// The dialogs (Radix, with its focus trap and scroll lock) load when first wanted, on hover or focus
// of the button that opens them: this page is the heaviest first visit (scripts/bundle-budget.mjs).
const loadDialogs = () => import("../../components/dialog");
const Dialog = lazy(() => loadDialogs().then((m) => ({ default: m.Dialog })));
const ConfirmDialog = lazy(() => loadDialogs().then((m) => ({ default: m.ConfirmDialog })));
const preloadDialogs = () => void loadDialogs();

/** What an outage left behind, reported when the endpoint is enabled again. */
type FailedMeanwhile = { count: number; since: string };

export function EndpointPage() {
  const { endpointId } = useParams({ from: "/app/endpoints/$endpointId" });
  // Asked again every 30 s: the worker may disable the endpoint (a 410) while the page is open.
  const endpoint = useQuery({
    ...trpc.endpoints.byId.queryOptions({ id: endpointId }),
    refetchInterval: 30_000,
  });
  const health = useQuery({ ...trpc.endpoints.health.queryOptions(), refetchInterval: 30_000 });
  const [failedMeanwhile, setFailedMeanwhile] = useState<FailedMeanwhile | null>(null);

  if (endpoint.isPending) return <Loading label="Loading the endpoint…" />;
  if (endpoint.isError) {
    return (
      <Callout
        tone="danger"
        title="This endpoint could not be loaded"
        action={
          <>
            <Button variant="secondary" onClick={() => void endpoint.refetch()}>
              Try again
            </Button>
            <Button asChild variant="secondary">
              <Link to="/endpoints">Back to endpoints</Link>
            </Button>
          </>
        }
      >
        {errorMessage(endpoint.error)}
      </Callout>
    );
  }
  const e = endpoint.data;
  const h = health.data?.find((item) => item.endpointId === e.id);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-4 text-sm">
        <Link
          to="/endpoints"
          className="text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white"
        >
          ← Endpoints
        </Link>
      </nav>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            {e.name || CRM_PRESETS[e.crm].label}
            <StatusBadge endpoint={e} health={h} />
          </span>
        }
        description={<span className="font-mono break-all">{e.url}</span>}
        actions={
          <Button asChild variant="secondary">
            <Link to="/send-test" search={{ endpointId: e.id }}>
              Send test
            </Link>
          </Button>
        }
      />
      <div className="space-y-6">
        {!e.enabled && <DisabledNotice endpoint={e} onReEnabled={setFailedMeanwhile} />}
        {failedMeanwhile && failedMeanwhile.count > 0 && (
          <RedeliverFailed
            endpointId={e.id}
            failed={failedMeanwhile}
            onDone={() => setFailedMeanwhile(null)}
          />
        )}
        <Section title="Delivery health" description="Real deliveries only; test sends are not counted.">
          {health.isError ? (
            <p className="hint">Health could not be loaded: {errorMessage(health.error)}</p>
          ) : h ? (
            <Facts items={healthFacts(h)} />
          ) : (
            <p className="hint">Loading…</p>
          )}
        </Section>
        <Section
          title="Pacing"
          description="How fast Genie sends here, across all its workers. A 429 from this receiver slows only this endpoint. Change it under Settings."
        >
          <Facts items={pacingFacts(e)} />
        </Section>
        <SecretSection endpoint={e} />
        <SettingsSection endpoint={e} onReEnabled={setFailedMeanwhile} />
        <DeleteSection endpoint={e} />
      </div>
    </>
  );
}

function useEndpointUpdate(onReEnabled: (failed: FailedMeanwhile) => void) {
  const queryClient = useQueryClient();
  return useMutation(
    trpc.endpoints.update.mutationOptions({
      onSuccess: (result) => {
        queryClient.setQueryData(trpc.endpoints.byId.queryKey({ id: result.endpoint.id }), result.endpoint);
        void queryClient.invalidateQueries({ queryKey: trpc.endpoints.pathKey() });
        if (result.failedWhileDisabled) onReEnabled(result.failedWhileDisabled);
      },
    }),
  );
}

function DisabledNotice({
  endpoint,
  onReEnabled,
}: {
  endpoint: Endpoint;
  onReEnabled: (f: FailedMeanwhile) => void;
}) {
  const update = useEndpointUpdate(onReEnabled);
  return (
    <Callout
      tone="danger"
      title={endpoint.disabledAt ? `Disabled on ${dateTime(endpoint.disabledAt)}` : "Disabled"}
      action={
        <Button busy={update.isPending} onClick={() => update.mutate({ id: endpoint.id, enabled: true })}>
          Re-enable
        </Button>
      }
    >
      {/* The reason can quote the receiver: text only. */}
      <p data-testid="disabled-reason">{endpoint.disabledReason ?? "Disabled in settings."}</p>
      <p className="mt-1">New registrations are not delivered here until you re-enable it.</p>
      {update.isError && <p className="mt-2 font-medium">{errorMessage(update.error)}</p>}
    </Callout>
  );
}

/**
 * Queues again every delivery that failed while the endpoint was down, in batches: the server queues
 * at most 10,000 per call and says whether more remain.
 */
function RedeliverFailed({
  endpointId,
  failed,
  onDone,
}: {
  endpointId: string;
  failed: FailedMeanwhile;
  onDone: () => void;
}) {
  const toast = useToast();
  const redeliver = useMutation(trpc.deliveries.redeliverFailed.mutationOptions());
  const [queued, setQueued] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    setError(null);
    setQueued(0);
    // One fixed window, so deliveries failing again during the run are not picked up twice.
    const range = { from: failed.since, to: new Date().toISOString(), endpointId };
    let total = 0;
    // Bounded: each call queues up to 10,000, so this many calls cover every failure and then some.
    for (let call = 0; call < Math.ceil(failed.count / 10_000) + 2; call++) {
      try {
        const result = await redeliver.mutateAsync(range);
        total += result.count;
        setQueued(total);
        if (!result.more) break;
      } catch (e) {
        setError(errorMessage(e));
        return;
      }
    }
    toast({ tone: "success", title: `${plural(total, "delivery", "deliveries")} queued again` });
    onDone();
  };

  return (
    <Callout
      tone="warning"
      title={`${plural(failed.count, "delivery", "deliveries")} failed while this endpoint was down`}
      action={
        <Button busy={queued !== null && error === null} onClick={() => void run()}>
          Redeliver {failed.count.toLocaleString()}
        </Button>
      }
    >
      <p>
        {/* Counted from the last success; for an endpoint that never had one, from its start. */}
        {new Date(failed.since).getTime() > 0
          ? `Since ${dateTime(failed.since)}. `
          : "It never delivered one yet. "}
        They keep their webhook-id, so your CRM can skip any it already has.
      </p>
      {queued !== null && error === null && (
        <p role="status" className="mt-1 font-medium">
          Queued {queued.toLocaleString()} of {failed.count.toLocaleString()}…
        </p>
      )}
      {error && (
        <p role="alert" className="mt-1 font-medium">
          {error}
        </p>
      )}
    </Callout>
  );
}

const GRACE_CHOICES = [
  { hours: 24, label: "24 hours (recommended)" },
  { hours: 1, label: "1 hour" },
  { hours: 168, label: "7 days" },
  { hours: 0, label: "None: the current secret stops at once" },
];

function SecretSection({ endpoint }: { endpoint: Endpoint }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [graceHours, setGraceHours] = useState(24);
  const [secret, setSecret] = useState<string | null>(null);
  const rotate = useMutation(
    trpc.endpoints.rotateSecret.mutationOptions({
      onSuccess: (result) => {
        setSecret(result.secret);
        queryClient.setQueryData(trpc.endpoints.byId.queryKey({ id: result.endpoint.id }), result.endpoint);
      },
    }),
  );
  const close = (next: boolean) => {
    setOpen(next);
    if (!next) {
      // Gone for good once the dialog closes: that is what "shown once" means.
      setSecret(null);
      rotate.reset();
    }
  };

  return (
    <Section
      title="Signing secret"
      description="Every delivery is signed with it, so your receiver can tell it really comes from Genie."
      actions={
        <Button
          variant="secondary"
          onPointerEnter={preloadDialogs}
          onFocus={preloadDialogs}
          onClick={() => setOpen(true)}
        >
          Rotate secret
        </Button>
      }
    >
      <Facts
        items={[
          { term: "Current secret", value: <code className="font-mono">{endpoint.secretHint}</code> },
          {
            term: "Previous secret",
            value: endpoint.previousSecretExpiresAt
              ? `Still signing until ${dateTime(endpoint.previousSecretExpiresAt)}`
              : "None",
          },
        ]}
      />
      <Suspense fallback={null}>
        {open && (
          <Dialog
            open={open}
            onOpenChange={close}
            title={secret ? "Your new signing secret" : "Rotate the signing secret"}
            description={
              secret
                ? undefined
                : "Genie makes a new secret. Until your receiver uses it, the current one can keep signing beside it."
            }
          >
            {secret ? (
              <div className="space-y-5">
                <SecretOnce secret={secret} />
                <div className="flex justify-end">
                  <Button onClick={() => close(false)}>I have copied it</Button>
                </div>
              </div>
            ) : (
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  rotate.mutate({ id: endpoint.id, graceHours });
                }}
                className="space-y-5"
              >
                <div className="space-y-1.5">
                  <label htmlFor="grace" className="label">
                    Keep the current secret signing for
                  </label>
                  <select
                    id="grace"
                    className="input"
                    value={graceHours}
                    onChange={(e) => setGraceHours(Number(e.target.value))}
                  >
                    {GRACE_CHOICES.map((choice) => (
                      <option key={choice.hours} value={choice.hours}>
                        {choice.label}
                      </option>
                    ))}
                  </select>
                  <p className="hint">During this time each delivery carries both signatures.</p>
                </div>
                {rotate.isError && (
                  <p role="alert" className="text-sm font-medium text-red-700 dark:text-red-400">
                    {errorMessage(rotate.error)}
                  </p>
                )}
                <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
                  <Button variant="secondary" onClick={() => close(false)}>
                    Cancel
                  </Button>
                  <Button type="submit" busy={rotate.isPending}>
                    Rotate secret
                  </Button>
                </div>
              </form>
            )}
          </Dialog>
        )}
      </Suspense>
    </Section>
  );
}

function formValuesOf(endpoint: Endpoint): EndpointFormValues {
  return {
    crm: endpoint.crm,
    name: endpoint.name,
    url: endpoint.url,
    enabled: endpoint.enabled,
    retryPreset: endpoint.retryPreset,
    headers: endpoint.customHeaders.map((h) => ({ ...newHeaderRow(h.name), savedHint: h.valueHint })),
    allProjects: endpoint.projectIds === null,
    projectIds: endpoint.projectIds ?? [],
    eventTypes: endpoint.eventTypes ?? [...DEFAULT_EVENTS],
    payloadFormat: endpoint.payloadFormat,
    rateLimitPerSecond: pacingText(endpoint.rateLimitPerSecond),
    maxConcurrency: pacingText(endpoint.maxConcurrency),
  };
}

function SettingsSection({
  endpoint,
  onReEnabled,
}: {
  endpoint: Endpoint;
  onReEnabled: (f: FailedMeanwhile) => void;
}) {
  const toast = useToast();
  const [values, setValues] = useState(() => formValuesOf(endpoint));
  const [savedAt, setSavedAt] = useState(endpoint.updatedAt);
  const [errors, setErrors] = useState<FieldErrors>({});
  const update = useEndpointUpdate(onReEnabled);

  // Re-enabling from the notice above (or a rotation) changes the endpoint: start from the saved state.
  if (endpoint.updatedAt !== savedAt) {
    setSavedAt(endpoint.updatedAt);
    setValues(formValuesOf(endpoint));
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = await checkEndpointForm("endpointUpdateSchema", values, { id: endpoint.id });
    if (!checked.data) return setErrors(checked.errors);
    setErrors({});
    update.mutate(checked.data, {
      onSuccess: () => toast({ tone: "success", title: "Endpoint saved" }),
      onError: (error) => setErrors({ form: errorMessage(error), ...serverFieldErrors(error) }),
    });
  };

  return (
    <Section title="Settings">
      <SchemaForm
        errors={errors}
        onSubmit={submit}
        failedTitle="The changes were not saved"
        className="space-y-8"
      >
        <EndpointFields values={values} onChange={setValues} errors={errors} />
        <div className="flex justify-end border-t border-zinc-200 pt-6 dark:border-zinc-800">
          <Button type="submit" busy={update.isPending}>
            Save changes
          </Button>
        </div>
      </SchemaForm>
    </Section>
  );
}

function DeleteSection({ endpoint }: { endpoint: Endpoint }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const remove = useMutation(
    trpc.endpoints.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.endpoints.pathKey() });
        toast({ tone: "success", title: "Endpoint deleted" });
        await navigate({ to: "/endpoints" });
      },
    }),
  );
  return (
    <>
      <Section
        title="Delete this endpoint"
        description="Its pending deliveries are dropped; past attempts stay in the delivery log. This cannot be undone."
        actions={
          <Button
            variant="danger"
            onPointerEnter={preloadDialogs}
            onFocus={preloadDialogs}
            onClick={() => setOpen(true)}
          >
            Delete endpoint
          </Button>
        }
      />
      <Suspense fallback={null}>
        {open && (
          <ConfirmDialog
            open={open}
            onOpenChange={setOpen}
            title="Delete this endpoint?"
            description={`Registrations will no longer be sent to ${endpoint.url}. Pending deliveries to it are dropped.`}
            confirmLabel="Delete endpoint"
            busy={remove.isPending}
            error={remove.isError ? errorMessage(remove.error) : null}
            onConfirm={() => remove.mutate({ id: endpoint.id })}
          />
        )}
      </Suspense>
    </>
  );
}
