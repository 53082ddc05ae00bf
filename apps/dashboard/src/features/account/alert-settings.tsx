import type { AlertKind } from "@genie/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouteContext } from "@tanstack/react-router";
import { type FormEvent, useId, useState } from "react";
import { SchemaForm } from "../../components/form";
import { useToast } from "../../components/toast";
import { Badge, Button, Callout, Field, LoadError, Loading, Section } from "../../components/ui";
import { authClient } from "../../lib/auth";
import type { FieldErrors } from "../../lib/form";
import { errorMessage, serverFieldErrors, trpc } from "../../lib/trpc";

const ALERTS: { kind: AlertKind; label: string; hint: string }[] = [
  { kind: "disabled", label: "An endpoint was disabled", hint: "It answered 410 Gone, or failed for days." },
  {
    kind: "failing",
    label: "An endpoint is failing",
    hint: "At its first failure, then at most one mail per endpoint every 6 hours.",
  },
  { kind: "recovered", label: "An endpoint recovered", hint: "It accepts deliveries again after failing." },
];

/**
 * The account page's mail part: whether the address is confirmed (and a new link), changing it, and
 * which alert mails come. Where the server has no mail, it says so and offers nothing that needs it.
 */
export function MailSection() {
  const settings = useQuery(trpc.account.mailSettings.queryOptions());
  if (settings.isPending) {
    return (
      <Section title="Email and alerts">
        <Loading label="Loading mail settings" />
      </Section>
    );
  }
  if (settings.isError) {
    return (
      <Section title="Email and alerts">
        <LoadError
          title="The mail settings could not be loaded"
          message={errorMessage(settings.error)}
          onRetry={() => void settings.refetch()}
        />
      </Section>
    );
  }
  const { mailEnabled, emailVerified, alerts } = settings.data;
  return (
    <Section
      title="Email and alerts"
      description="Genie mails you when an endpoint stops taking leads, and when it takes them again."
    >
      {!mailEnabled ? (
        <Callout tone="warning" title="Mail is not configured on this server">
          No alert, confirmation or reset mail can be sent. Whoever runs Genie can set GENIE_SMTP_URL.
        </Callout>
      ) : (
        <div className="grid max-w-xl gap-6">
          <VerificationStatus verified={emailVerified} />
          <AlertSwitches alerts={alerts} />
          <ChangeEmail />
        </div>
      )}
    </Section>
  );
}

function VerificationStatus({ verified }: { verified: boolean }) {
  const { user } = useRouteContext({ from: "/app" });
  const toast = useToast();
  const resend = useMutation({
    mutationFn: async () => {
      const { error } = await authClient.sendVerificationEmail({
        email: user.email,
        callbackURL: "/account",
      });
      if (error)
        throw new Error(
          error.status === 429
            ? "Too many links asked for: wait a few minutes."
            : (error.message ?? "Something went wrong."),
        );
    },
    onSuccess: () => toast({ tone: "success", title: "Link sent", description: `Check ${user.email}.` }),
    onError: (error) => toast({ tone: "error", title: "No link was sent", description: error.message }),
  });
  return (
    <div className="flex flex-wrap items-center gap-3">
      <span className="text-sm">{user.email}</span>
      {verified ? (
        <Badge tone="success">Confirmed</Badge>
      ) : (
        <>
          <Badge tone="warning">Not confirmed</Badge>
          <Button variant="secondary" busy={resend.isPending} onClick={() => resend.mutate()}>
            Send the confirmation link again
          </Button>
        </>
      )}
    </div>
  );
}

function AlertSwitches({ alerts }: { alerts: Record<AlertKind, boolean> }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const id = useId();
  const key = trpc.account.mailSettings.queryKey();
  const update = useMutation(
    trpc.account.updateAlerts.mutationOptions({
      // The switch moves at once; a refusal puts it back. A fetch of the settings still under way
      // (the page just opened) is cancelled first, or its older answer would move the switch back.
      onMutate: async (input) => {
        await queryClient.cancelQueries({ queryKey: key });
        const before = queryClient.getQueryData(key);
        if (before) queryClient.setQueryData(key, { ...before, alerts: { ...before.alerts, ...input } });
        return { before };
      },
      onSuccess: (data) => queryClient.setQueryData(key, data),
      onError: (error, _input, context) => {
        if (context?.before) queryClient.setQueryData(key, context.before);
        toast({ tone: "error", title: "Not saved", description: errorMessage(error) });
      },
    }),
  );
  return (
    <fieldset className="space-y-3">
      <legend className="label mb-2">Mail me when</legend>
      {ALERTS.map(({ kind, label, hint }) => (
        <div key={kind} className="flex items-start gap-3">
          <input
            id={`${id}-${kind}`}
            type="checkbox"
            className="mt-1 size-4 shrink-0 accent-indigo-600"
            checked={alerts[kind]}
            aria-describedby={`${id}-${kind}-hint`}
            onChange={(e) => update.mutate({ [kind]: e.target.checked })}
          />
          <div>
            <label htmlFor={`${id}-${kind}`} className="text-sm font-medium">
              {label}
            </label>
            <p id={`${id}-${kind}-hint`} className="hint">
              {hint}
            </p>
          </div>
        </div>
      ))}
    </fieldset>
  );
}

function ChangeEmail() {
  const toast = useToast();
  const empty = { newEmail: "", password: "" };
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState<FieldErrors>({});
  const change = useMutation(
    trpc.account.changeEmail.mutationOptions({
      onSuccess: (_data, input) => {
        setValues(empty);
        toast({
          tone: "success",
          title: "Check your new address",
          description: `Click the link sent to ${input.newEmail}; until then you keep signing in with the old one.`,
        });
      },
      onError: (error) => {
        const fields = serverFieldErrors(error);
        setErrors(Object.keys(fields).length > 0 ? fields : { form: errorMessage(error) });
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!/^\S+@\S+\.\S+$/.test(values.newEmail.trim())) found.newEmail = "must be a valid email address";
    if (!values.password) found.password = "must not be empty";
    setErrors(found);
    if (Object.keys(found).length === 0)
      change.mutate({ newEmail: values.newEmail.trim(), password: values.password });
  };
  return (
    <SchemaForm
      errors={errors}
      onSubmit={submit}
      failedTitle="The address was not changed"
      className="grid gap-4 border-t border-zinc-200 pt-6 dark:border-zinc-800"
    >
      <h3 className="text-sm font-semibold">Change your email address</h3>
      <Field
        label="New email address"
        error={errors.newEmail}
        hint="We mail it a link; the change happens when it is clicked."
      >
        {(props) => (
          <input
            {...props}
            className="input"
            type="email"
            autoComplete="email"
            value={values.newEmail}
            onChange={(e) => setValues((v) => ({ ...v, newEmail: e.target.value }))}
          />
        )}
      </Field>
      <Field label="Your password" error={errors.password}>
        {(props) => (
          <input
            {...props}
            className="input"
            type="password"
            autoComplete="current-password"
            value={values.password}
            onChange={(e) => setValues((v) => ({ ...v, password: e.target.value }))}
          />
        )}
      </Field>
      <div>
        <Button type="submit" busy={change.isPending}>
          Change email
        </Button>
      </div>
    </SchemaForm>
  );
}
