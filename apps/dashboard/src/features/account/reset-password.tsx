import { Link, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { SchemaForm } from "../../components/form";
import { Button, Callout, Field } from "../../components/ui";
import { authClient } from "../../lib/auth";
import type { FieldErrors } from "../../lib/form";
import { UNREACHABLE_MESSAGE } from "../../lib/trpc";
import { AuthCard, LINK_CLASS, serverFieldError } from "./auth-card";

const MIN_LENGTH = 8;

/**
 * The page a reset link opens (`/reset-password?token=…`): a new password, typed twice. The server
 * refuses common passwords and the account's own address (the reason shows under the field); once it
 * is set, every session of the account has ended and the owner signs in with the new one.
 */
export function ResetPasswordPage() {
  const { token } = useSearch({ strict: false }) as { token?: string };
  const [values, setValues] = useState({ newPassword: "", confirm: "" });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (values.newPassword.length < MIN_LENGTH) {
      return setErrors({ newPassword: `must be at least ${MIN_LENGTH} characters` });
    }
    if (values.newPassword !== values.confirm)
      return setErrors({ confirm: "does not match the new password" });
    setErrors({});
    setBusy(true);
    try {
      const { error } = await authClient.resetPassword({
        newPassword: values.newPassword,
        token: token ?? "",
      });
      if (error) {
        const field = serverFieldError(error, "newPassword");
        if (field) return setErrors({ newPassword: field });
        return setErrors({
          form:
            error.code === "INVALID_TOKEN"
              ? "This link has expired or was used already. Ask for a new one."
              : (error.message ?? "Something went wrong. Try again."),
        });
      }
      setDone(true);
    } catch {
      setErrors({ form: UNREACHABLE_MESSAGE });
    } finally {
      setBusy(false);
    }
  };

  const input = (key: keyof typeof values) => ({
    className: "input",
    type: "password",
    autoComplete: "new-password",
    value: values[key],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value })),
  });

  if (!token) {
    return (
      <AuthCard title="Choose a new password">
        <Callout tone="warning" title="This link is incomplete">
          Open the link from the mail as it is, or{" "}
          <Link to="/forgot-password" className={LINK_CLASS}>
            ask for a new one
          </Link>
          .
        </Callout>
      </AuthCard>
    );
  }
  if (done) {
    return (
      <AuthCard title="Password changed">
        <p role="status">Your new password is set, and every session of your account was signed out.</p>
        <Button asChild className="mt-6 w-full">
          <Link to="/sign-in">Sign in</Link>
        </Button>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Choose a new password"
      description="Every other session of your account is signed out when it changes."
      footer={
        <Link to="/forgot-password" className={LINK_CLASS}>
          Ask for a new link
        </Link>
      }
    >
      <SchemaForm
        errors={errors}
        onSubmit={submit}
        failedTitle="The password was not changed"
        className="space-y-4"
      >
        <Field
          label="New password"
          error={errors.newPassword}
          hint="At least 8 characters; a long phrase is best."
        >
          {(props) => <input {...props} {...input("newPassword")} />}
        </Field>
        <Field label="Repeat the new password" error={errors.confirm}>
          {(props) => <input {...props} {...input("confirm")} />}
        </Field>
        <Button type="submit" busy={busy} className="w-full">
          Set the new password
        </Button>
      </SchemaForm>
    </AuthCard>
  );
}
