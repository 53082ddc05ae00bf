import { useSuspenseQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { lazy, Suspense, useState } from "react";
import {
  Badge,
  Button,
  Callout,
  CodeBlock,
  Facts,
  LoadError,
  Loading,
  PageHeader,
  Section,
} from "../../components/ui";
import { dateTime, isHttpUrl, timeAgo } from "../../lib/format";
import { errorMessage, trpc } from "../../lib/trpc";
import { revealHidden, VisibleText } from "../../lib/visible-text";
import { useDeliveryList } from "../deliveries/api";
import { DeliveryStateBadge } from "../deliveries/state";
import { useEraseByEmail, useEraseContact, useExportContact } from "./api";

const ConfirmDialog = lazy(() =>
  import("../../components/dialog").then((m) => ({ default: m.ConfirmDialog })),
);
const route = getRouteApi("/app/contacts/$contactId");

/** A link only for http(s): visitors control these values. */
function UrlText({ value }: { value: string | null }) {
  if (!value) return <span className="hint">—</span>;
  if (!isHttpUrl(value)) return <VisibleText text={value} />;
  return (
    <a
      href={value}
      rel="noopener noreferrer nofollow"
      target="_blank"
      className="break-all text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
    >
      <VisibleText text={value} />
    </a>
  );
}

/**
 * The phone as stored (E.164, from the visitor's text): a tel: link only when it is exactly that
 * shape, so no other scheme can slip into the link.
 */
function PhoneText({ phone }: { phone: string | null }) {
  if (!phone) return <span className="hint">—</span>;
  if (!/^\+[1-9]\d{1,14}$/.test(phone)) return <VisibleText text={phone} />;
  return (
    <a
      href={`tel:${phone}`}
      className="text-indigo-700 tabular-nums underline-offset-2 hover:underline dark:text-indigo-300"
    >
      {phone}
    </a>
  );
}

export function ContactPage() {
  const { contactId } = route.useParams();
  const { data: contact } = useSuspenseQuery(trpc.contacts.byId.queryOptions({ id: contactId }));
  const exportContact = useExportContact();
  const [exportError, setExportError] = useState<string | null>(null);
  const fields = Object.entries(contact.customFields);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-4 text-sm">
        <Link
          to="/contacts"
          className="text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
        >
          ← Contacts
        </Link>
      </nav>
      <PageHeader
        title={<VisibleText text={contact.name || contact.email} />}
        description={
          <>
            Registered {dateTime(contact.createdAt)} on <VisibleText text={contact.projectName} />.
          </>
        }
        actions={
          <Button
            variant="secondary"
            onClick={() =>
              exportContact(contact.id).catch((error: unknown) => setExportError(errorMessage(error)))
            }
          >
            Export as JSON
          </Button>
        }
      />
      <div className="space-y-6">
        {exportError && (
          <Callout tone="danger" title="Could not export" alert>
            {exportError}
          </Callout>
        )}
        <Section title="Contact">
          <Facts
            items={[
              { term: "Email", value: <VisibleText text={contact.email} /> },
              { term: "Name", value: <VisibleText text={contact.name ?? "—"} /> },
              { term: "Funnel", value: <VisibleText text={contact.projectName} /> },
              { term: "Page", value: <VisibleText text={contact.pageName ?? "—"} /> },
              { term: "Phone", value: <PhoneText phone={contact.phone} /> },
              {
                term: "Consent",
                value: contact.consent ? (
                  <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <Badge tone={contact.consent.given ? "success" : "warning"}>
                      {contact.consent.given ? "Given" : "Not given"}
                    </Badge>
                    <span className="hint">on {dateTime(contact.consent.at)}</span>
                  </span>
                ) : (
                  <span className="hint">Not asked</span>
                ),
              },
            ]}
          />
          {contact.consent && (
            <div className="mt-4">
              <h3 className="mb-2 text-sm font-semibold">
                {contact.consent.given ? "What they agreed to" : "What they were asked (box left unchecked)"}
              </h3>
              <blockquote
                data-testid="consent-text"
                className="border-l-2 border-zinc-300 pl-3 text-sm whitespace-pre-wrap break-words dark:border-zinc-700"
              >
                <VisibleText text={contact.consent.text} />
              </blockquote>
            </div>
          )}
        </Section>
        <Section title="Where they came from">
          <Facts
            items={[
              { term: "Page URL", value: <UrlText value={contact.pageUrl} /> },
              { term: "Landing page", value: <UrlText value={contact.landingPage} /> },
              { term: "Referrer", value: <UrlText value={contact.referrer} /> },
              { term: "Visitor id", value: <VisibleText text={contact.visitorId ?? "—"} /> },
              ...(["source", "medium", "campaign", "term", "content"] as const).map((key) => ({
                term: `utm_${key}`,
                value: <VisibleText text={contact.utm[key] ?? "—"} />,
              })),
            ]}
          />
          {contact.firstTouch != null && (
            <div className="mt-4">
              <h3 className="mb-2 text-sm font-semibold">First touch</h3>
              <CodeBlock label="First touch">
                {revealHidden(JSON.stringify(contact.firstTouch, null, 2))}
              </CodeBlock>
            </div>
          )}
        </Section>
        {fields.length > 0 && (
          <Section title="Form fields">
            <Facts
              items={fields.map(([name, value]) => ({
                term: <VisibleText text={name} />,
                value: <VisibleText text={typeof value === "string" ? value : JSON.stringify(value)} />,
              }))}
            />
          </Section>
        )}
        <ContactDeliveries contactId={contact.id} />
        <Erase contact={contact} />
      </div>
    </>
  );
}

function ContactDeliveries({ contactId }: { contactId: string }) {
  const list = useDeliveryList({ contactId, limit: 50 });
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Section
      title="Webhooks about this contact"
      description="Every delivery, newest first. Open one for its attempts."
    >
      {list.isPending ? (
        <Loading label="Loading deliveries…" />
      ) : list.isError ? (
        <LoadError
          title="Deliveries could not be loaded"
          message={errorMessage(list.error)}
          onRetry={() => void list.refetch()}
        />
      ) : rows.length === 0 ? (
        <p className="hint">None: no endpoint was enabled for this funnel when they registered.</p>
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="contact-deliveries">
          {rows.map((row) => (
            <li key={row.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
              <Link
                to="/deliveries/$deliveryId"
                params={{ deliveryId: row.id }}
                className="text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
              >
                {row.eventType} to <VisibleText text={row.endpointName || row.endpointUrl} />
              </Link>
              <span className="flex items-center gap-2">
                <DeliveryStateBadge state={row.state} />
                <span className="hint" title={dateTime(row.createdAt)}>
                  {timeAgo(row.createdAt)}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function Erase({ contact }: { contact: { id: string; email: string } }) {
  const navigate = useNavigate();
  const eraseOne = useEraseContact();
  const eraseAll = useEraseByEmail();
  const [asking, setAsking] = useState<"one" | "email" | null>(null);
  const what =
    "The contact, the bodies of its webhooks and what receivers answered about it are erased; the attempts' times and status codes stay, without personal data. Webhooks still pending are cancelled. This cannot be undone.";
  const done = () => {
    setAsking(null);
    void navigate({ to: "/contacts" });
  };
  const mutation = asking === "email" ? eraseAll : eraseOne;
  return (
    <Section title="Erase" description="For a deletion request: remove this person from Genie.">
      <div className="flex flex-wrap gap-2">
        <Button variant="danger" onClick={() => setAsking("one")}>
          Erase this contact
        </Button>
        <Button variant="secondary" onClick={() => setAsking("email")}>
          Erase everyone with this email
        </Button>
      </div>
      {asking && (
        <Suspense fallback={null}>
          <ConfirmDialog
            open
            onOpenChange={(open) => !open && setAsking(null)}
            title={
              asking === "one"
                ? "Erase this contact?"
                : `Erase every contact with ${revealHidden(contact.email)}?`
            }
            description={
              asking === "one" ? what : `Every registration with this email, in every funnel: ${what}`
            }
            confirmLabel={asking === "one" ? "Erase contact" : "Erase them all"}
            busy={mutation.isPending}
            error={mutation.error ? errorMessage(mutation.error) : null}
            onConfirm={() =>
              asking === "one"
                ? eraseOne.mutate({ id: contact.id }, { onSuccess: done })
                : eraseAll.mutate({ email: contact.email }, { onSuccess: done })
            }
          />
        </Suspense>
      )}
    </Section>
  );
}
