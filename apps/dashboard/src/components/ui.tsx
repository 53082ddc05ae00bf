import { Slot } from "radix-ui";
import { type ComponentProps, type ReactNode, useId, useState } from "react";

const BUTTON = {
  // White text keeps at least 4.5:1 on every shade used here, hovered or not, in both schemes.
  primary: "bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-600/70",
  secondary:
    "border border-zinc-300 bg-white text-zinc-900 hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800",
  danger: "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-600/70",
  ghost: "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800",
} as const;

type ButtonProps = ComponentProps<"button"> & {
  variant?: keyof typeof BUTTON;
  /** Shows a spinner and blocks a second click while the action runs. */
  busy?: boolean;
  /** Renders the child (a router Link) with the button's look. */
  asChild?: boolean;
};

export function Button({
  variant = "primary",
  busy = false,
  asChild = false,
  className = "",
  children,
  ...props
}: ButtonProps) {
  const Component = asChild ? Slot.Root : "button";
  return (
    <Component
      type={asChild ? undefined : "button"}
      className={`inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-medium whitespace-nowrap transition-colors disabled:cursor-not-allowed ${BUTTON[variant]} ${className}`}
      disabled={asChild ? undefined : busy || props.disabled}
      aria-busy={busy || undefined}
      {...props}
    >
      {asChild ? (
        children
      ) : (
        <>
          {busy && <Spinner />}
          {children}
        </>
      )}
    </Component>
  );
}

/** Decoration only: the text beside it (or the button's aria-busy) tells what is going on. */
export function Spinner() {
  return (
    <span
      aria-hidden
      className="inline-block size-4 shrink-0 animate-spin rounded-full border-2 border-current border-r-transparent"
    />
  );
}

/** A labelled form field with its hint and its error, wired for screen readers. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => ReactNode;
}) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="label">
        {label}
      </label>
      {children({ id, "aria-describedby": described || undefined, "aria-invalid": error ? true : undefined })}
      {error && <FieldError id={`${id}-error`}>{withSubject(label, error)}</FieldError>}
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** Schema messages read "must be …": with the field's name in front they make a sentence. */
function withSubject(label: ReactNode, error: string): string {
  return typeof label === "string" && /^[a-z]/.test(error) ? `${label} ${error}.` : error;
}

export function FieldError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} className="text-sm font-medium text-red-700 dark:text-red-400">
      {children}
    </p>
  );
}

const TONES = {
  neutral: "bg-zinc-100 text-zinc-700 ring-zinc-200 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  success:
    "bg-emerald-50 text-emerald-800 ring-emerald-200 dark:bg-emerald-950 dark:text-emerald-300 dark:ring-emerald-900",
  warning:
    "bg-amber-50 text-amber-900 ring-amber-200 dark:bg-amber-950 dark:text-amber-300 dark:ring-amber-900",
  danger: "bg-red-50 text-red-800 ring-red-200 dark:bg-red-950 dark:text-red-300 dark:ring-red-900",
  info: "bg-indigo-50 text-indigo-800 ring-indigo-200 dark:bg-indigo-950 dark:text-indigo-300 dark:ring-indigo-900",
} as const;
export type Tone = keyof typeof TONES;

export function Badge({ tone = "neutral", children }: { tone?: Tone; children: ReactNode }) {
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}
    >
      {children}
    </span>
  );
}

/** A boxed message: what happened and what to do. `role="alert"` for errors that appear after an action. */
export function Callout({
  tone = "info",
  title,
  children,
  action,
  alert = false,
}: {
  tone?: Tone;
  title: ReactNode;
  children?: ReactNode;
  action?: ReactNode;
  alert?: boolean;
}) {
  return (
    <div
      role={alert ? "alert" : undefined}
      className={`flex flex-col gap-3 rounded-xl p-4 ring-1 ring-inset sm:flex-row sm:items-start sm:justify-between ${TONES[tone]}`}
    >
      <div className="min-w-0 space-y-1">
        <p className="font-semibold">{title}</p>
        {children && <div className="text-sm break-words">{children}</div>}
      </div>
      {action && <div className="flex shrink-0 flex-wrap gap-2">{action}</div>}
    </div>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="mb-8 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0 space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight break-words">{title}</h1>
        {description && <p className="hint max-w-2xl">{description}</p>}
      </div>
      {actions && <div className="flex shrink-0 flex-wrap gap-2">{actions}</div>}
    </div>
  );
}

export function Section({
  title,
  description,
  children,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section className="card p-5 sm:p-6">
      <div
        className={`${children ? "mb-4" : ""} flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between`}
      >
        <div className="space-y-1">
          <h2 className="text-base font-semibold">{title}</h2>
          {description && <p className="hint">{description}</p>}
        </div>
        {actions && <div className="flex shrink-0 flex-wrap gap-2">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** A page's data is on its way: a calm placeholder, announced to screen readers. */
export function Loading({ label }: { label: string }) {
  return (
    <div className="flex items-center gap-3 py-16 text-zinc-600 dark:text-zinc-400" role="status">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({
  title,
  children,
  action,
}: {
  title: ReactNode;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="card flex flex-col items-center gap-3 px-6 py-14 text-center">
      <h2 className="text-lg font-semibold">{title}</h2>
      <div className="hint max-w-md">{children}</div>
      {action && <div className="mt-2">{action}</div>}
    </div>
  );
}

/** Copies text and says so; the label names what is copied ("Copy secret"). */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  return (
    <Button
      variant="secondary"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied("yes");
        } catch {
          // Clipboard access can be refused (permissions, an insecure origin): the text stays selectable.
          setCopied("failed");
        }
        setTimeout(() => setCopied(null), 2000);
      }}
    >
      <span aria-live="polite">
        {copied === "yes" ? "Copied" : copied === "failed" ? "Select and copy it" : label}
      </span>
    </Button>
  );
}

/** A term and its value in a grid of facts. */
export function Facts({ items }: { items: { term: ReactNode; value: ReactNode }[] }) {
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-4 lg:grid-cols-4">
      {items.map((item, index) => (
        <div key={index} className="min-w-0">
          <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">
            {item.term}
          </dt>
          <dd className="mt-1 text-sm break-words">{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * Text shown exactly as it is (JSON, a receiver's answer), never as HTML. It scrolls when long, so it
 * is focusable and named: keyboard users can scroll it too.
 */
export function CodeBlock({
  label,
  children,
  wrap = false,
  testId,
}: {
  label: string;
  children: string;
  wrap?: boolean;
  testId?: string;
}) {
  return (
    <section aria-label={label}>
      <pre
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        tabIndex={0}
        data-testid={testId}
        className={`code max-h-96 overflow-auto ${wrap ? "break-words whitespace-pre-wrap" : ""}`}
      >
        {children}
      </pre>
    </section>
  );
}

/** Data a page needs could not be loaded: what, why, and a way to ask again. */
export function LoadError({
  title,
  message,
  onRetry,
}: {
  title: string;
  message: string;
  onRetry: () => void;
}) {
  return (
    <Callout
      tone="danger"
      title={title}
      action={
        <Button variant="secondary" onClick={onRetry}>
          Try again
        </Button>
      }
    >
      {message}
    </Callout>
  );
}
