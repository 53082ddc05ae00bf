import { CopyButton } from "../../components/ui";

/**
 * A signing secret, shown once right after it was made (create, rotate): the server never returns it
 * again, so the owner must copy it now.
 */
export function SecretOnce({ secret }: { secret: string }) {
  return (
    <div className="space-y-3 rounded-xl bg-amber-50 p-4 ring-1 ring-amber-200 ring-inset dark:bg-amber-950/60 dark:ring-amber-900">
      <p className="text-sm font-semibold text-amber-900 dark:text-amber-200">
        Copy this signing secret now. Genie will not show it again.
      </p>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <code
          data-testid="signing-secret"
          className="min-w-0 flex-1 rounded-lg bg-white px-3 py-2 font-mono text-sm break-all select-all dark:bg-zinc-950"
        >
          {secret}
        </code>
        <CopyButton text={secret} label="Copy secret" />
      </div>
      <p className="text-sm text-amber-900 dark:text-amber-200">
        Your receiver uses it to check the <code className="font-mono">webhook-signature</code> header (any
        Standard Webhooks library, or <code className="font-mono">@genie/webhook-core</code>). Keep it out of
        code and chats.
      </p>
    </div>
  );
}
