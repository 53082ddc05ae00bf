import { useSuspenseQuery } from "@tanstack/react-query";
import { type FormEvent, lazy, Suspense, useState } from "react";
import {
  Badge,
  Button,
  CodeBlock,
  CopyButton,
  EmptyState,
  Field,
  PageHeader,
  Section,
} from "../../components/ui";
import { plural } from "../../lib/format";
import { errorMessage, serverFieldErrors, trpc } from "../../lib/trpc";
import { VisibleText } from "../../lib/visible-text";
import {
  type Project,
  useCreatePage,
  useCreateProject,
  useDeletePage,
  useDeleteProject,
  useUpdateProject,
} from "./api";

const ConfirmDialog = lazy(() =>
  import("../../components/dialog").then((m) => ({ default: m.ConfirmDialog })),
);

/** Funnel projects (what a registration form belongs to), their pages, origins and embed snippets. */
export function FunnelsPage() {
  const { data: projects } = useSuspenseQuery(trpc.funnels.list.queryOptions());
  return (
    <>
      <PageHeader
        title="Funnels"
        description="A funnel is the set of pages one registration form is on. Its embed snippet goes on those pages; registrations arrive here and go to your endpoints."
      />
      <div className="space-y-6">
        <NewProject first={projects.length === 0} />
        {projects.length === 0 ? (
          <EmptyState title="No funnel yet">
            Create one above: you get the snippet to paste into your page builder.
          </EmptyState>
        ) : (
          projects.map((project) => <ProjectCard key={project.id} project={project} />)
        )}
      </div>
    </>
  );
}

function NewProject({ first }: { first: boolean }) {
  const create = useCreateProject();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await create.mutateAsync({ name: name.trim() });
      setName("");
    } catch (failure) {
      setError(serverFieldErrors(failure).name ?? errorMessage(failure));
    }
  };
  return (
    <form
      onSubmit={submit}
      className="card flex flex-col gap-3 p-4 sm:flex-row sm:items-end"
      aria-label="New funnel"
    >
      <div className="flex-1">
        <Field label={first ? "Name your first funnel" : "New funnel"} error={error}>
          {(props) => (
            <input
              {...props}
              className="input"
              value={name}
              placeholder="Spring webinar"
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
      </div>
      <Button type="submit" busy={create.isPending}>
        Create funnel
      </Button>
    </form>
  );
}

function ProjectCard({ project }: { project: Project }) {
  const update = useUpdateProject();
  const remove = useDeleteProject();
  const [confirming, setConfirming] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(project.name);
  const [origins, setOrigins] = useState(project.allowedOrigins.join("\n"));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = async (patch: {
    name?: string;
    allowedOrigins?: string[];
    enabled?: boolean;
    defaultCountry?: string | null;
  }) => {
    setErrors({});
    try {
      await update.mutateAsync({ id: project.id, ...patch });
      setRenaming(false);
    } catch (failure) {
      const fields = serverFieldErrors(failure);
      setErrors(Object.keys(fields).length ? fields : { form: errorMessage(failure) });
    }
  };
  return (
    <Section
      title={
        <span className="flex flex-wrap items-center gap-2">
          <VisibleText text={project.name} />
          <Badge tone={project.enabled ? "success" : "neutral"}>
            {project.enabled ? "Taking registrations" : "Paused"}
          </Badge>
        </span>
      }
      description={`${plural(project.registrations, "registration", "registrations")} so far.`}
      actions={
        <>
          <Button variant="secondary" onClick={() => setRenaming((r) => !r)}>
            Rename
          </Button>
          <Button
            variant="secondary"
            busy={update.isPending}
            onClick={() => void save({ enabled: !project.enabled })}
          >
            {project.enabled ? "Pause" : "Resume"}
          </Button>
          <Button variant="danger" onClick={() => setConfirming(true)}>
            Delete
          </Button>
        </>
      }
    >
      <div className="space-y-5">
        {errors.form && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {errors.form}
          </p>
        )}
        {renaming && (
          <form
            className="flex flex-col gap-2 sm:flex-row sm:items-end"
            onSubmit={(e) => {
              e.preventDefault();
              void save({ name: name.trim() });
            }}
          >
            <div className="flex-1">
              <Field label="Funnel name" error={errors.name}>
                {(props) => (
                  <input
                    {...props}
                    className="input"
                    value={name}
                    onChange={(e) => setName(e.target.value)}
                  />
                )}
              </Field>
            </div>
            <Button type="submit" busy={update.isPending}>
              Save name
            </Button>
          </form>
        )}
        <form
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ allowedOrigins: origins.split(/\s+/).filter(Boolean) });
          }}
        >
          <Field
            label="Allowed origins"
            error={
              errors.allowedOrigins ??
              Object.entries(errors).find(([k]) => k.startsWith("allowedOrigins."))?.[1]
            }
            hint="One per line, such as https://www.example.com. Empty: pages on any site may post registrations to this funnel."
          >
            {(props) => (
              <textarea
                {...props}
                className="input min-h-20 font-mono text-sm"
                value={origins}
                onChange={(e) => setOrigins(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" variant="secondary" busy={update.isPending}>
            Save origins
          </Button>
        </form>
        <DefaultCountry
          key={project.defaultCountry ?? ""}
          saved={project.defaultCountry}
          error={errors.defaultCountry}
          busy={update.isPending}
          onSave={(defaultCountry) => save({ defaultCountry })}
        />
        <div className="space-y-2">
          <div className="flex items-center justify-between gap-2">
            <h3 className="text-sm font-semibold">Embed snippet</h3>
            <CopyButton text={project.embedSnippet} label="Copy snippet" />
          </div>
          <CodeBlock label={`Embed snippet of ${project.name}`} wrap>
            {project.embedSnippet}
          </CodeBlock>
        </div>
        <Pages project={project} />
      </div>
      {confirming && (
        <Suspense fallback={null}>
          <ConfirmDialog
            open
            onOpenChange={setConfirming}
            title={`Delete ${project.name}?`}
            description={`Its pages and its ${plural(project.registrations, "contact", "contacts")} are deleted with it, and its forms stop taking registrations. Webhooks already queued are still sent. This cannot be undone.`}
            confirmLabel="Delete funnel"
            busy={remove.isPending}
            error={remove.error ? errorMessage(remove.error) : null}
            onConfirm={() => remove.mutate({ id: project.id }, { onSuccess: () => setConfirming(false) })}
          />
        </Suspense>
      )}
    </Section>
  );
}

/** "Germany" for DE, null for a code the browser has no name for (the server is the judge). */
function countryName(code: string): string | null {
  if (!/^[A-Z]{2}$/.test(code)) return null;
  try {
    const name = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" }).of(code);
    return name ?? null;
  } catch {
    return null;
  }
}

/** The country national phone numbers are read in (`020 7946 0018` rather than `+44 20 7946 0018`). */
function DefaultCountry({
  saved,
  error,
  busy,
  onSave,
}: {
  saved: string | null;
  error: string | undefined;
  busy: boolean;
  onSave: (country: string | null) => Promise<void>;
}) {
  const [country, setCountry] = useState(saved ?? "");
  const typed = country.trim().toUpperCase();
  const typedName = countryName(typed);
  const savedName = saved && (countryName(saved) ?? saved);
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave(typed || null);
      }}
    >
      <Field
        label="Default phone country"
        error={error}
        hint={
          <>
            Phone numbers typed without +country code are read as this country's
            {saved ? ` (now ${savedName}, ${saved})` : ""}. Two letters, like US or DE. Empty: only numbers
            with +country code are accepted.
          </>
        }
      >
        {(props) => (
          <div className="flex items-center gap-3">
            <input
              {...props}
              className="input w-20 font-mono uppercase"
              value={country}
              maxLength={2}
              placeholder="US"
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setCountry(e.target.value)}
            />
            {typed && typed !== saved && (
              <span className="hint" aria-live="polite">
                {typedName ?? "Unknown code"}
              </span>
            )}
          </div>
        )}
      </Field>
      <Button type="submit" variant="secondary" busy={busy}>
        Save country
      </Button>
    </form>
  );
}

function Pages({ project }: { project: Project }) {
  const create = useCreatePage();
  const remove = useDeletePage();
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    try {
      await create.mutateAsync({ projectId: project.id, name: name.trim(), url: url.trim() });
      setName("");
      setUrl("");
    } catch (failure) {
      const fields = serverFieldErrors(failure);
      setErrors(Object.keys(fields).length ? fields : { form: errorMessage(failure) });
    }
  };
  return (
    <div className="space-y-3">
      <h3 className="text-sm font-semibold">Pages</h3>
      {project.pages.length === 0 ? (
        <p className="hint">
          No page yet. Pages are optional: they tell which page a registration came from.
        </p>
      ) : (
        <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
          {project.pages.map((page) => (
            <li key={page.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2 text-sm">
              <span className="min-w-0 break-words">
                <VisibleText text={page.name} />
                {page.url && (
                  <span className="hint block break-all">
                    <VisibleText text={page.url} />
                  </span>
                )}
              </span>
              <span className="flex gap-2">
                <CopyButton text={page.embedSnippet} label="Copy snippet" />
                <Button
                  variant="ghost"
                  busy={remove.isPending && remove.variables?.id === page.id}
                  onClick={() => remove.mutate({ id: page.id })}
                >
                  Remove<span className="sr-only"> page {page.name}</span>
                </Button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={submit}
        className="grid gap-2 sm:grid-cols-[1fr_1fr_auto] sm:items-end"
        aria-label={`New page of ${project.name}`}
      >
        <Field label="Page name" error={errors.name}>
          {(props) => (
            <input {...props} className="input" value={name} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <Field label="Page URL (optional)" error={errors.url}>
          {(props) => (
            <input
              {...props}
              className="input"
              type="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </Field>
        <Button type="submit" variant="secondary" busy={create.isPending}>
          Add page
        </Button>
      </form>
      {errors.form && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {errors.form}
        </p>
      )}
    </div>
  );
}
