import { CRM_PRESETS } from "@genie/schemas";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { RadioGroup } from "radix-ui";
import { type FormEvent, useState } from "react";
import { SchemaForm } from "../../components/form";
import {
  Badge,
  Button,
  Callout,
  CodeBlock,
  CopyButton,
  Facts,
  Field,
  Loading,
  PageHeader,
  Section,
} from "../../components/ui";
import { type FieldErrors, validate } from "../../lib/form";
import { errorMessage, type Outputs, serverFieldErrors, trpc } from "../../lib/trpc";

type Result = Outputs["webhooks"]["sendTest"];

/** The worker's error kinds, in words an account owner can act on. */
const ERROR_KINDS: Record<string, string> = {
  dns: "The receiver's host name could not be found (DNS). Check the URL for typos.",
  connect: "Nothing accepted the connection at that address. Is the receiver running?",
  tls: "The secure connection failed (TLS): the receiver's certificate was refused.",
  timeout: "The receiver did not answer in time.",
  reset: "The receiver closed the connection before answering.",
  "ssrf-blocked": "This address is private or internal; Genie only delivers to public addresses.",
  "invalid-request": "The request could not be sent as configured (check the custom headers).",
  network: "A network error stopped the request.",
  http: "The receiver answered with an error status.",
};

export function SendTestPage() {
  const search = useSearch({ from: "/app/send-test" });
  const navigate = useNavigate({ from: "/send-test" });
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  const [target, setTarget] = useState<"saved" | "url">("saved");
  const [url, setUrl] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const send = useMutation(
    trpc.webhooks.sendTest.mutationOptions({
      onError: (error) => setErrors({ form: errorMessage(error), ...serverFieldErrors(error) }),
    }),
  );

  // An empty list that is being asked again may just be old: wait rather than offer "Another URL".
  if (endpoints.isPending || (endpoints.isFetching && endpoints.data?.length === 0)) {
    return <Loading label="Loading your endpoints…" />;
  }
  const saved = endpoints.data ?? [];
  const usingSaved = target === "saved" && saved.length > 0;
  const endpointId =
    search.endpointId && saved.some((e) => e.id === search.endpointId) ? search.endpointId : saved[0]?.id;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = usingSaved ? { endpointId } : { url: url.trim() };
    const checked = await validate("sendTestSchema", input);
    if (!checked.data)
      return setErrors(
        usingSaved
          ? { form: "Choose an endpoint first." }
          : { url: checked.errors.url ?? "must be an http:// or https:// URL" },
      );
    setErrors({});
    send.mutate(checked.data);
  };

  return (
    <>
      <PageHeader
        title="Send a test"
        description="One signed webhook.test delivery, answered here with what the receiver did and the exact JSON it got, so you can map its fields in your CRM."
      />
      <div className="space-y-6">
        <SchemaForm
          errors={errors}
          onSubmit={submit}
          failedTitle="The test was not sent"
          className="card space-y-6 p-5 sm:p-6"
        >
          {endpoints.isError && (
            <Callout tone="warning" title="Your endpoints could not be loaded">
              {errorMessage(endpoints.error)} You can still test a URL.
            </Callout>
          )}
          <fieldset>
            <legend className="label mb-2">Send to</legend>
            <RadioGroup.Root
              value={usingSaved ? "saved" : "url"}
              onValueChange={(v) => setTarget(v as "saved" | "url")}
              className="flex flex-wrap gap-4"
              aria-label="Send to"
            >
              {(
                [
                  ["saved", "A saved endpoint", saved.length === 0],
                  ["url", "Another URL", false],
                ] as const
              ).map(([value, label, disabled]) => (
                <div key={value} className="flex items-center gap-2 text-sm has-disabled:opacity-50">
                  <RadioGroup.Item
                    id={`send-to-${value}`}
                    value={value}
                    disabled={disabled}
                    className="grid size-4 place-items-center rounded-full border border-zinc-400 dark:border-zinc-500"
                  >
                    <RadioGroup.Indicator className="size-2 rounded-full bg-indigo-600 dark:bg-indigo-400" />
                  </RadioGroup.Item>
                  <label htmlFor={`send-to-${value}`}>{label}</label>
                </div>
              ))}
            </RadioGroup.Root>
          </fieldset>
          {usingSaved ? (
            <Field
              label="Endpoint"
              hint="Signed with this endpoint's secret and sent with its custom headers."
            >
              {(props) => (
                <select
                  {...props}
                  className="input"
                  value={endpointId}
                  onChange={(e) => void navigate({ search: { endpointId: e.target.value }, replace: true })}
                >
                  {saved.map((e) => (
                    <option key={e.id} value={e.id}>
                      {`${e.name || CRM_PRESETS[e.crm].label} – ${e.url}${e.enabled ? "" : " (disabled)"}`}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <Field
              label="URL"
              error={errors.url}
              hint={
                saved.length === 0 ? (
                  <>
                    Not saved, signed with a throwaway secret.{" "}
                    <Link
                      to="/endpoints/new"
                      className="font-medium text-indigo-700 underline dark:text-indigo-400"
                    >
                      Add an endpoint
                    </Link>{" "}
                    to have registrations delivered.
                  </>
                ) : (
                  "Not saved, signed with a throwaway secret."
                )
              }
            >
              {(props) => (
                <input
                  {...props}
                  className="input font-mono"
                  type="url"
                  placeholder="https://hooks.zapier.com/hooks/catch/…"
                  value={url}
                  onChange={(e) => setUrl(e.target.value)}
                  spellCheck={false}
                />
              )}
            </Field>
          )}
          <Button type="submit" busy={send.isPending}>
            {send.isPending ? "Sending…" : "Send test webhook"}
          </Button>
        </SchemaForm>
        {send.data && <TestResult result={send.data} />}
      </div>
    </>
  );
}

function TestResult({ result }: { result: Result }) {
  // The exact bytes sent, indented for reading (same keys, same order); "Copy JSON" copies them as sent.
  const payload = prettyJson(result.body);
  return (
    <section aria-labelledby="result-title" className="space-y-6">
      <Section
        title={
          <span id="result-title" className="flex flex-wrap items-center gap-2">
            Result
            <Badge tone={result.ok ? "success" : "danger"}>
              {result.statusCode !== null ? `HTTP ${result.statusCode}` : "No answer"}
            </Badge>
          </span>
        }
      >
        <div role="status" className="space-y-5">
          <p className="text-sm font-medium">
            {result.ok
              ? "Delivered: the receiver accepted the test webhook."
              : (ERROR_KINDS[result.errorKind ?? ""] ?? "The test webhook was not accepted.")}
          </p>
          <Facts
            items={[
              { term: "Status", value: result.statusCode ?? "None" },
              { term: "Latency", value: `${result.durationMs.toLocaleString()} ms` },
              { term: "Error", value: result.errorKind ? result.errorKind : "None" },
              { term: "URL", value: <span className="font-mono break-all">{result.url}</span> },
            ]}
          />
          {result.errorMessage && (
            <div>
              <h3 className="label mb-1.5">Error details</h3>
              <CodeBlock label="Error details" wrap>
                {result.errorMessage}
              </CodeBlock>
            </div>
          )}
          <div>
            <h3 className="label mb-1.5">The receiver's answer</h3>
            {/* Receiver-controlled text: shown as text, never as HTML. */}
            <CodeBlock label="The receiver's answer" wrap testId="response-excerpt">
              {result.responseExcerpt || "(empty)"}
            </CodeBlock>
          </div>
        </div>
      </Section>
      <Section
        title="The JSON sent to your CRM"
        description="Use it to map fields in GoHighLevel, Make.com or Zapier."
        actions={<CopyButton text={result.body} label="Copy JSON" />}
      >
        <CodeBlock label="The JSON sent to your CRM" testId="test-payload">
          {payload}
        </CodeBlock>
      </Section>
      <Section title="Headers sent" description="Signatures included; custom header values are masked.">
        <dl className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
          {Object.entries(result.requestHeaders).map(([name, value]) => (
            <div key={name} className="grid grid-cols-1 gap-1 py-2 sm:grid-cols-[14rem_1fr] sm:gap-4">
              <dt className="font-mono text-zinc-600 dark:text-zinc-400">{name}</dt>
              <dd className="font-mono break-all">{value}</dd>
            </div>
          ))}
        </dl>
      </Section>
    </section>
  );
}

function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
