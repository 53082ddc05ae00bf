import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useRouteContext, useRouter } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { SchemaForm } from "../../components/form";
import { useToast } from "../../components/toast";
import { Badge, Button, Field, LoadError, Loading, PageHeader, Section } from "../../components/ui";
import { authClient, signOut } from "../../lib/auth";
import { type FieldErrors, validate } from "../../lib/form";
import { dateTime, timeAgo } from "../../lib/format";
import { trpc } from "../../lib/trpc";
import { MailSection } from "./alert-settings";
import { ApiKeysSection } from "./api-keys";

/** better-auth answers `{ data, error }`: turn an error into a thrown one for TanStack Query. */
async function unwrap<T>(
  call: Promise<
    { data: T; error: null } | { data: null; error: { message?: string | undefined; status: number } }
  >,
) {
  const { data, error } = await call;
  if (error) {
    throw new Error(
      error.status === 429
        ? "Too many attempts. Wait a minute, then try again."
        : (error.message ?? "Something went wrong."),
    );
  }
  return data as T;
}

export function AccountPage() {
  return (
    <>
      <PageHeader
        title="Account"
        description="Your name, your password, where you are signed in and your API keys."
      />
      <div className="space-y-6">
        <NameSection />
        <MailSection />
        <PasswordSection />
        <SessionsSection />
        <ApiKeysSection />
        <SignOutSection />
      </div>
    </>
  );
}

function NameSection() {
  const queryClient = useQueryClient();
  const { user } = useRouteContext({ from: "/app" });
  const router = useRouter();
  const toast = useToast();
  const [name, setName] = useState(user.name);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useMutation({
    mutationFn: (value: string) => unwrap(authClient.updateUser({ name: value })),
    onSuccess: async () => {
      // The shell shows the name from `account.me`: ask again, then let the routes see it.
      await queryClient.invalidateQueries({ queryKey: trpc.account.me.queryKey() });
      await router.invalidate();
      toast({ tone: "success", title: "Name saved" });
    },
    onError: (error) => setErrors({ name: error.message }),
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = await validate("nameSchema", { name });
    if (!checked.data) return setErrors(checked.errors);
    setErrors({});
    save.mutate(checked.data.name);
  };
  return (
    <Section title="Profile">
      <SchemaForm
        errors={errors}
        onSubmit={submit}
        failedTitle="The name was not saved"
        className="grid max-w-xl gap-4"
      >
        <Field label="Name" error={errors.name}>
          {(props) => (
            <input
              {...props}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoComplete="name"
            />
          )}
        </Field>
        <Field label="Email" hint="Your email is how you sign in; change it under Email and alerts.">
          {(props) => <input {...props} className="input" value={user.email} readOnly />}
        </Field>
        <div>
          <Button type="submit" busy={save.isPending}>
            Save name
          </Button>
        </div>
      </SchemaForm>
    </Section>
  );
}

function PasswordSection() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const empty = { currentPassword: "", newPassword: "", confirm: "" };
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState<FieldErrors>({});
  const change = useMutation({
    mutationFn: (v: typeof empty) =>
      unwrap(
        authClient.changePassword({
          currentPassword: v.currentPassword,
          newPassword: v.newPassword,
          // Whoever knew the old password is signed out everywhere else.
          revokeOtherSessions: true,
        }),
      ),
    onSuccess: () => {
      setValues(empty);
      void queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
      toast({
        tone: "success",
        title: "Password changed",
        description: "Your other sessions were signed out.",
      });
    },
    onError: (error) =>
      setErrors(
        /invalid password/i.test(error.message)
          ? { currentPassword: "is not correct" }
          : /^The password /.test(error.message)
            ? { newPassword: error.message.replace(/^The password /, "").replace(/\.$/, "") }
            : { form: error.message },
      ),
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = await validate("passwordChangeSchema", values);
    if (!checked.data) return setErrors(checked.errors);
    setErrors({});
    change.mutate(values);
  };
  const input = (key: keyof typeof empty, autoComplete: string) => ({
    className: "input",
    type: "password",
    autoComplete,
    value: values[key],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value })),
  });
  return (
    <Section title="Password" description="Changing it signs you out on every other device.">
      <SchemaForm
        errors={errors}
        onSubmit={submit}
        failedTitle="The password was not changed"
        className="grid max-w-xl gap-4"
      >
        <Field label="Current password" error={errors.currentPassword}>
          {(props) => <input {...props} {...input("currentPassword", "current-password")} />}
        </Field>
        <Field
          label="New password"
          error={errors.newPassword}
          hint="At least 8 characters; a long phrase is best."
        >
          {(props) => <input {...props} {...input("newPassword", "new-password")} />}
        </Field>
        <Field label="Repeat the new password" error={errors.confirm}>
          {(props) => <input {...props} {...input("confirm", "new-password")} />}
        </Field>
        <div>
          <Button type="submit" busy={change.isPending}>
            Change password
          </Button>
        </div>
      </SchemaForm>
    </Section>
  );
}

const SESSIONS_KEY = ["auth", "sessions"];

/** "Firefox on macOS"-style summary is guesswork; the user agent's first words are honest enough. */
function deviceOf(userAgent: string | null | undefined): string {
  if (!userAgent) return "Unknown device";
  const browser = /(Edg|Chrome|Chromium|Firefox|Safari)\/[\d.]+/.exec(userAgent)?.[1] ?? "Browser";
  const os = /(Windows|Mac OS X|Android|iPhone|iPad|Linux)/.exec(userAgent)?.[1] ?? "unknown system";
  return `${browser === "Edg" ? "Edge" : browser} on ${os === "Mac OS X" ? "macOS" : os}`;
}

function SessionsSection() {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: async () => {
      const [list, current] = await Promise.all([
        unwrap(authClient.listSessions()),
        unwrap(authClient.getSession()),
      ]);
      return { list: list ?? [], currentId: current?.session.id };
    },
  });
  const revoke = useMutation({
    mutationFn: (token: string) => unwrap(authClient.revokeSession({ token })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: SESSIONS_KEY }),
  });
  return (
    <Section
      title="Where you are signed in"
      description="Sign out a device you no longer use or do not recognise."
    >
      {sessions.isPending ? (
        <Loading label="Loading your sessions…" />
      ) : sessions.isError ? (
        <LoadError
          title="Your sessions could not be loaded"
          message={sessions.error.message}
          onRetry={() => void sessions.refetch()}
        />
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {sessions.data.list.map((s) => {
            const isCurrent = s.id === sessions.data.currentId;
            return (
              <li
                key={s.id}
                className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between"
              >
                <div className="min-w-0">
                  <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
                    {deviceOf(s.userAgent)}
                    {isCurrent && <Badge tone="info">This device</Badge>}
                  </p>
                  <p className="hint">
                    {s.ipAddress ? `${s.ipAddress} · ` : ""}signed in{" "}
                    {timeAgo(new Date(s.createdAt).toISOString())}
                    {" · "}expires {dateTime(new Date(s.expiresAt).toISOString())}
                  </p>
                </div>
                {!isCurrent && (
                  <Button
                    variant="secondary"
                    busy={revoke.isPending && revoke.variables === s.token}
                    onClick={() => revoke.mutate(s.token)}
                  >
                    Sign out this device
                  </Button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {revoke.isError && (
        <p role="alert" className="mt-2 text-sm font-medium text-red-700 dark:text-red-400">
          {revoke.error.message}
        </p>
      )}
    </Section>
  );
}

function SignOutSection() {
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  return (
    <Section
      title="Sign out"
      description="Ends the session on this device."
      actions={
        <Button
          variant="secondary"
          busy={busy}
          onClick={async () => {
            setBusy(true);
            await signOut();
            await navigate({ to: "/sign-in" });
          }}
        >
          Sign out
        </Button>
      }
    />
  );
}
