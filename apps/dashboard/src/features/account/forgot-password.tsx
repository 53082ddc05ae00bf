import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { SchemaForm } from "../../components/form";
import { Button, Callout, Field, Loading } from "../../components/ui";
import { authClient } from "../../lib/auth";
import type { FieldErrors } from "../../lib/form";
import { trpc, UNREACHABLE_MESSAGE } from "../../lib/trpc";
import { AuthCard, LINK_CLASS } from "./auth-card";

/**
 * "Forgot password?": asks for a reset link. The answer is the same whether the address has an
 * account or not (the server says nothing more). Where mail is off, the page says so instead.
 */
export function ForgotPasswordPage() {
  const mail = useQuery(trpc.account.mailAvailable.queryOptions());
  const [email, setEmail] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^\S+@\S+\.\S+$/.test(email.trim())) return setErrors({ email: "must be a valid email address" });
    setErrors({});
    setBusy(true);
    try {
      const { error } = await authClient.requestPasswordReset({ email: email.trim() });
      if (error) {
        return setErrors({
          form:
            error.status === 429
              ? "Too many links were asked for this address. Wait a few minutes, then try again."
              : (error.message ?? "Something went wrong. Try again."),
        });
      }
      setSentTo(email.trim());
    } catch {
      setErrors({ form: UNREACHABLE_MESSAGE });
    } finally {
      setBusy(false);
    }
  };

  const back = (
    <Link to="/sign-in" className={LINK_CLASS}>
      Back to sign-in
    </Link>
  );
  if (mail.isPending) {
    return (
      <AuthCard title="Reset your password" footer={back}>
        <Loading label="Loading" />
      </AuthCard>
    );
  }
  if (mail.data && !mail.data.mailEnabled) {
    return (
      <AuthCard title="Reset your password" footer={back}>
        <Callout tone="warning" title="Mail is not configured on this server">
          Genie cannot send a reset link here. Ask whoever runs this server to set GENIE_SMTP_URL, or to reset
          the password for you.
        </Callout>
      </AuthCard>
    );
  }
  if (sentTo) {
    return (
      <AuthCard title="Check your inbox" footer={back}>
        <p role="status">
          If <strong>{sentTo}</strong> has a Genie account, a link to choose a new password is on its way. It
          works once, for one hour.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Reset your password"
      description="Enter the address you sign in with; we mail you a link to choose a new password."
      footer={back}
    >
      <SchemaForm errors={errors} onSubmit={submit} failedTitle="No link was sent" className="space-y-4">
        <Field label="Email" error={errors.email}>
          {(props) => (
            <input
              {...props}
              className="input"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Button type="submit" busy={busy} className="w-full">
          Send the link
        </Button>
      </SchemaForm>
    </AuthCard>
  );
}
