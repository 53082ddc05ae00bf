import { API_KEY_SCOPES, type ApiKeyScope } from "@genie/schemas/api-key-scopes";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, lazy, Suspense, useState } from "react";
import { SchemaForm } from "../../components/form";
import { useToast } from "../../components/toast";
import { Badge, Button, CopyButton, Field, LoadError, Loading, Section } from "../../components/ui";
import { type FieldErrors, validate } from "../../lib/form";
import { dateTime, timeAgo } from "../../lib/format";
import { errorMessage, serverFieldErrors, trpc } from "../../lib/trpc";

const ConfirmDialog = lazy(() =>
  import("../../components/dialog").then((m) => ({ default: m.ConfirmDialog })),
);

const SCOPE_HINT: Record<ApiKeyScope, string> = {
  read: "Read: lists and details only. Enough for reports and exports.",
  write: "Write: also creates, changes, deletes and redelivers. For deploy scripts and cron jobs.",
};

/**
 * The account's API keys: scripts call the same procedures as this dashboard with one (the
 * `@genie/client` package, or `Authorization: Bearer <key>`). A key is shown once, right after it is
 * made; the list shows its prefix, scope and when it was last used (to the minute).
 */
export function ApiKeysSection() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const [values, setValues] = useState<{ name: string; scope: ApiKeyScope }>({ name: "", scope: "read" });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });

  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: ({ apiKey, key }) => {
        setCreated({ name: apiKey.name, key });
        setValues({ name: "", scope: "read" });
        void invalidate();
      },
      onError: (error) => {
        const fields = serverFieldErrors(error);
        setErrors(Object.keys(fields).length ? fields : { form: errorMessage(error) });
      },
    }),
  );
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: () => {
        toast({
          tone: "success",
          title: "API key revoked",
          description: "Requests with it are refused now.",
        });
        setRevoking(null);
        void invalidate();
      },
    }),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = await validate("apiKeyCreateSchema", values);
    if (!checked.data) return setErrors(checked.errors);
    setErrors({});
    setCreated(null);
    create.mutate(checked.data);
  };

  return (
    <Section
      title="API keys"
      description="Scripts and backends call Genie's API with a key, through @genie/client or any HTTP client (Authorization: Bearer …). A key cannot manage your account or other keys."
    >
      <div className="space-y-6">
        <SchemaForm
          errors={errors}
          onSubmit={submit}
          failedTitle="The key was not created"
          className="grid max-w-xl gap-4"
        >
          <Field label="Name" error={errors.name} hint="What uses it, so you know which key to revoke.">
            {(props) => (
              <input
                {...props}
                className="input"
                value={values.name}
                onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))}
                placeholder="Deploy script"
                autoComplete="off"
              />
            )}
          </Field>
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">Scope</legend>
            {API_KEY_SCOPES.map((scope) => (
              <label key={scope} className="flex items-start gap-2 text-sm">
                <input
                  type="radio"
                  name="api-key-scope"
                  value={scope}
                  checked={values.scope === scope}
                  onChange={() => setValues((v) => ({ ...v, scope }))}
                  className="mt-0.5"
                />
                <span>{SCOPE_HINT[scope]}</span>
              </label>
            ))}
          </fieldset>
          <div>
            <Button type="submit" busy={create.isPending}>
              Create API key
            </Button>
          </div>
        </SchemaForm>

        {created && <KeyOnce name={created.name} apiKey={created.key} />}

        {keys.isPending ? (
          <Loading label="Loading your API keys…" />
        ) : keys.isError ? (
          <LoadError
            title="Your API keys could not be loaded"
            message={errorMessage(keys.error)}
            onRetry={() => void keys.refetch()}
          />
        ) : keys.data.length === 0 ? (
          <p className="hint">No API keys yet.</p>
        ) : (
          <ul aria-label="API keys" className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {keys.data.map((key) => (
              <li
                key={key.id}
                className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between"
              >
                <div className="min-w-0">
                  <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
                    {key.name}
                    <Badge tone={key.scope === "write" ? "warning" : "neutral"}>{key.scope}</Badge>
                  </p>
                  <p className="hint">
                    <code className="font-mono">{key.prefix}…</code> · created {dateTime(key.createdAt)} ·{" "}
                    {key.lastUsedAt ? `last used ${timeAgo(key.lastUsedAt)}` : "never used"}
                  </p>
                </div>
                <Button variant="secondary" onClick={() => setRevoking({ id: key.id, name: key.name })}>
                  Revoke<span className="sr-only"> {key.name}</span>
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <Suspense fallback={null}>
        {revoking && (
          <ConfirmDialog
            open
            onOpenChange={(open) => !open && setRevoking(null)}
            title={`Revoke “${revoking.name}”?`}
            description="Every request made with this key is refused from now on. This cannot be undone."
            confirmLabel="Revoke key"
            busy={revoke.isPending}
            error={revoke.isError ? errorMessage(revoke.error) : null}
            onConfirm={() => revoke.mutate({ id: revoking.id })}
          />
        )}
      </Suspense>
    </Section>
  );
}

/** A new key, shown once: Genie keeps only its hash. */
function KeyOnce({ name, apiKey }: { name: string; apiKey: string }) {
  return (
    <div className="space-y-3 rounded-xl bg-amber-50 p-4 ring-1 ring-amber-200 ring-inset dark:bg-amber-950/60 dark:ring-amber-900">
      <p className="text-sm font-semibold text-amber-900 dark:text-amber-200">
        Copy the key “{name}” now. Genie will not show it again.
      </p>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <code
          data-testid="api-key"
          className="min-w-0 flex-1 rounded-lg bg-white px-3 py-2 font-mono text-sm break-all select-all dark:bg-zinc-950"
        >
          {apiKey}
        </code>
        <CopyButton text={apiKey} label="Copy key" />
      </div>
      <p className="text-sm text-amber-900 dark:text-amber-200">
        Keep it in your script's secret store (such as <code className="font-mono">GENIE_API_KEY</code>),
        never in code or a browser page.
      </p>
    </div>
  );
}
