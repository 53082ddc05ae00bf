import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { FilterSelect, SearchBox } from "../../components/filters";
import { Button, EmptyState, LoadError, Loading, PageHeader } from "../../components/ui";
import { dateTime, plural, timeAgo } from "../../lib/format";
import { errorMessage, trpc } from "../../lib/trpc";
import { VisibleText } from "../../lib/visible-text";
import { useContactList } from "./api";

const route = getRouteApi("/app/contacts");

/** Everyone who registered, newest first: search, filter by funnel, export. */
export function ContactsPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: "/contacts" });
  const projects = useQuery(trpc.funnels.list.queryOptions());
  const list = useContactList({
    ...(search.q && { search: search.q }),
    ...(search.project && { projectId: search.project }),
  });
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  const projectName = new Map(projects.data?.map((p) => [p.id, p.name]));
  const csv = `/api/contacts.csv?${new URLSearchParams({ ...(search.q && { search: search.q }), ...(search.project && { projectId: search.project }) })}`;
  const filter = (patch: { q?: string | undefined; project?: string | undefined }) =>
    void navigate({ search: (s) => ({ ...s, ...patch }), replace: true });
  return (
    <>
      <PageHeader
        title="Contacts"
        description="One per registration. Open one to see where it came from and every webhook about it."
        actions={
          <Button asChild variant="secondary">
            <a href={csv} download>
              Export CSV{search.q || search.project ? " (filtered)" : ""}
            </a>
          </Button>
        }
      />
      <div className="card mb-4 flex flex-col gap-2 p-4 sm:flex-row sm:items-end">
        <SearchBox
          id="contact-search"
          label="Search by email or name"
          placeholder="Email or name"
          initial={search.q}
          onSearch={(q) => filter({ q })}
        />
        <FilterSelect
          label="Funnel"
          value={search.project}
          onChange={(project) => filter({ project })}
          anyLabel="All funnels"
        >
          {projects.data?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </FilterSelect>
      </div>
      {list.isPending ? (
        <Loading label="Loading contacts…" />
      ) : list.isError ? (
        <LoadError
          title="Contacts could not be loaded"
          message={errorMessage(list.error)}
          onRetry={() => void list.refetch()}
        />
      ) : rows.length === 0 ? (
        <EmptyState title={search.q || search.project ? "No contact matches" : "No contacts yet"}>
          {search.q || search.project
            ? "Search looks for part of an email or a name."
            : "Contacts appear when someone submits a form with one of your funnels' snippets."}
        </EmptyState>
      ) : (
        <>
          <ul className="card divide-y divide-zinc-100 dark:divide-zinc-800">
            {rows.map((contact) => (
              <li
                key={contact.id}
                data-testid="contact-row"
                className="grid grid-cols-1 gap-1 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_11rem_minmax(0,12rem)] sm:items-center sm:gap-4"
              >
                <span className="min-w-0 break-words">
                  <Link
                    to="/contacts/$contactId"
                    params={{ contactId: contact.id }}
                    className="font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
                  >
                    <VisibleText text={contact.email} />
                  </Link>
                  {contact.name && (
                    <span className="hint block text-sm">
                      <VisibleText text={contact.name} />
                    </span>
                  )}
                </span>
                {/* E.164 from the visitor's text: shown as text, hidden on a phone when there is none. */}
                <span
                  data-testid="contact-phone"
                  className={`text-sm tabular-nums ${contact.phone ? "" : "hint hidden sm:block"}`}
                >
                  {contact.phone ? (
                    <>
                      <span className="sr-only">Phone </span>
                      <VisibleText text={contact.phone} />
                    </>
                  ) : (
                    <>
                      <span aria-hidden>—</span>
                      <span className="sr-only">No phone</span>
                    </>
                  )}
                </span>
                <span className="hint text-sm sm:text-right">
                  <VisibleText text={projectName.get(contact.projectId) ?? "deleted funnel"} />
                  <span className="block" title={dateTime(contact.createdAt)}>
                    {timeAgo(contact.createdAt)}
                  </span>
                </span>
              </li>
            ))}
          </ul>
          <div className="mt-4 flex items-center justify-between">
            <p className="hint">{plural(rows.length, "contact", "contacts")} shown.</p>
            {list.hasNextPage && (
              <Button
                variant="secondary"
                busy={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                Load more
              </Button>
            )}
          </div>
        </>
      )}
    </>
  );
}
