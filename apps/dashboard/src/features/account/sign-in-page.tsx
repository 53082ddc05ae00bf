import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { SchemaForm } from "../../components/form";
import { Button, Field } from "../../components/ui";
import { authClient } from "../../lib/auth";
import { type FieldErrors, validate } from "../../lib/form";
import { HOME, safeRedirect } from "../../lib/redirect";
import { forgetSession, UNREACHABLE_MESSAGE } from "../../lib/trpc";

type Mode = "sign-in" | "sign-up";

export function SignInPage() {
  return <AuthPage mode="sign-in" />;
}

export function SignUpPage() {
  return <AuthPage mode="sign-up" />;
}

/** better-auth's error codes, in words that say what to do. */
function authErrors(error: {
  code?: string | undefined;
  message?: string | undefined;
  status: number;
}): FieldErrors {
  if (error.status === 429) return { form: "Too many attempts from here. Wait a minute, then try again." };
  if (error.code === "INVALID_EMAIL_OR_PASSWORD") return { password: "Wrong email or password." };
  if (error.code?.startsWith("USER_ALREADY_EXISTS"))
    return { email: "An account with this email exists already. Sign in instead." };
  if (error.code === "EMAIL_NOT_VERIFIED")
    return { form: "Confirm your email first: click the link we mailed you (a new one was just sent)." };
  const weak = (error as { fieldErrors?: { password?: string[] } }).fieldErrors?.password?.[0];
  if (weak) return { password: weak };
  if (error.code === "PASSWORD_TOO_SHORT" || error.code === "PASSWORD_TOO_LONG")
    return { password: error.message ?? "This password's length is not allowed." };
  return { form: error.message ?? "Something went wrong. Try again." };
}

function AuthPage({ mode }: { mode: Mode }) {
  const search = useSearch({ strict: false }) as { redirect?: string };
  const navigate = useNavigate();
  const [values, setValues] = useState({ name: "", email: "", password: "" });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  // Where verification is required, sign-up signs nobody in: the account waits for its link.
  const [checkInbox, setCheckInbox] = useState(false);
  const signingUp = mode === "sign-up";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = signingUp
      ? await validate("signUpSchema", values)
      : await validate("signInSchema", { email: values.email, password: values.password });
    if (checked.errors) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      const { data, error } = signingUp
        ? await authClient.signUp.email({
            name: values.name.trim(),
            email: values.email,
            password: values.password,
          })
        : await authClient.signIn.email({ email: values.email, password: values.password });
      if (error) return setErrors(authErrors(error));
      if (!data.token) return setCheckInbox(true);
      forgetSession();
      // Read again here, past the router: only a path of this app is followed (lib/redirect.ts).
      await navigate({ href: safeRedirect(search.redirect) ?? HOME, replace: true });
    } catch {
      setErrors({ form: UNREACHABLE_MESSAGE });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: keyof typeof values) => ({
    value: values[name],
    onChange: (event: { target: { value: string } }) =>
      setValues((v) => ({ ...v, [name]: event.target.value })),
  });

  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="mb-8 flex items-center gap-2 text-lg font-semibold">
        <span aria-hidden className="grid size-8 place-items-center rounded-lg bg-indigo-600 text-white">
          G
        </span>
        Genie
      </div>
      <div className="card w-full max-w-sm p-6 sm:p-8">
        <h1 className="text-xl font-semibold">{signingUp ? "Create your account" : "Sign in to Genie"}</h1>
        <p className="hint mt-1">
          {signingUp
            ? "Connect your funnel pages to your CRM in a few minutes."
            : search.redirect
              ? "Sign in to continue where you were."
              : "Welcome back."}
        </p>
        <SchemaForm
          errors={errors}
          onSubmit={submit}
          failedTitle="Could not continue"
          className="mt-6 space-y-4"
        >
          {signingUp && (
            <Field label="Your name" error={errors.name}>
              {(props) => <input {...props} {...field("name")} className="input" autoComplete="name" />}
            </Field>
          )}
          <Field label="Email" error={errors.email}>
            {(props) => (
              <input {...props} {...field("email")} className="input" type="email" autoComplete="email" />
            )}
          </Field>
          <Field
            label="Password"
            error={errors.password}
            hint={signingUp ? "At least 8 characters; a long phrase is best." : undefined}
          >
            {(props) => (
              <input
                {...props}
                {...field("password")}
                className="input"
                type="password"
                autoComplete={signingUp ? "new-password" : "current-password"}
              />
            )}
          </Field>
          {checkInbox && (
            <p role="status" className="hint">
              Check your inbox: click the link we mailed to {values.email} to finish, then sign in.
            </p>
          )}
          <Button type="submit" busy={busy} className="w-full">
            {signingUp ? "Create account" : "Sign in"}
          </Button>
          {!signingUp && (
            <Link to="/forgot-password" className="hint block text-center underline-offset-2 hover:underline">
              Forgot password?
            </Link>
          )}
        </SchemaForm>
      </div>
      <p className="hint mt-6">
        {signingUp ? "Have an account? " : "New to Genie? "}
        <Link
          to={signingUp ? "/sign-in" : "/sign-up"}
          search={search.redirect ? { redirect: search.redirect } : {}}
          className="font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-400"
        >
          {signingUp ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </main>
  );
}
