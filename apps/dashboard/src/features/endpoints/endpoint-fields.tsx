import {
  CRM_KINDS,
  CRM_PACING_DEFAULTS,
  CRM_PRESETS,
  type CrmKind,
  DEFAULT_EVENTS,
  type EndpointPacing,
  PACING_MAX,
  type PayloadFormat,
  RETRY_PRESET_NAMES,
  RETRY_PRESET_WAITS_MS,
  type RetryPresetName,
  SUBSCRIBABLE_EVENTS,
  type SubscribableEvent,
} from "@genie/schemas";
import { useQuery } from "@tanstack/react-query";
import { RadioGroup, Switch } from "radix-ui";
import type { ReactNode } from "react";
import { Button, Field, FieldError } from "../../components/ui";
import { type FieldErrors, validate } from "../../lib/form";
import { duration, plural } from "../../lib/format";
import { trpc } from "../../lib/trpc";

/** One custom header row. Saved headers come back masked: their value is replaced, never shown. */
export type HeaderRow = { key: number; name: string; value: string; savedHint?: string; removed?: boolean };

export type EndpointFormValues = {
  crm: CrmKind;
  name: string;
  url: string;
  enabled: boolean;
  retryPreset: RetryPresetName;
  headers: HeaderRow[];
  /** Routing: every funnel (also ones created later), or only `projectIds`. */
  allProjects: boolean;
  projectIds: string[];
  /** The events it receives; the default set when it equals DEFAULT_EVENTS. */
  eventTypes: SubscribableEvent[];
  payloadFormat: PayloadFormat;
  /** Pacing as typed: digits, or empty for no limit of the endpoint's own. */
  rateLimitPerSecond: string;
  maxConcurrency: string;
};

/** A saved or default limit as the form shows it: empty for none. */
export const pacingText = (limit: number | null) => (limit === null ? "" : String(limit));

/** The pacing fields of a new endpoint for this CRM: Zapier's 30/s, else empty. */
export const defaultPacing = (crm: CrmKind) => ({
  rateLimitPerSecond: pacingText(CRM_PACING_DEFAULTS[crm].rateLimitPerSecond),
  maxConcurrency: pacingText(CRM_PACING_DEFAULTS[crm].maxConcurrency),
});

/** A new endpoint's routing: every funnel, the default events, the spec's nested body. */
export const DEFAULT_ROUTING = {
  allProjects: true,
  projectIds: [] as string[],
  eventTypes: [...DEFAULT_EVENTS],
  payloadFormat: "nested" as PayloadFormat,
};

let rowKey = 1;
export const newHeaderRow = (name = ""): HeaderRow => ({ key: rowKey++, name, value: "" });

/** The spec's text with `code` spans: hints name headers such as `webhook-signature`. */
export function WithCode({ text }: { text: string }) {
  return (
    <>
      {text.split("`").map((part, index) =>
        index % 2 === 1 ? (
          <code
            key={index}
            className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.85em] dark:bg-zinc-800"
          >
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  );
}

const CHOICE =
  "card flex cursor-pointer flex-col gap-1 p-4 text-left outline-none hover:border-zinc-300 focus-visible:outline-2 focus-visible:outline-indigo-500 data-[state=checked]:border-indigo-500 data-[state=checked]:ring-1 data-[state=checked]:ring-indigo-500 dark:hover:border-zinc-700 dark:data-[state=checked]:border-indigo-400 dark:data-[state=checked]:ring-indigo-400";

function Choices<T extends string>({
  label,
  value,
  onChange,
  options,
  columns,
}: {
  label: string;
  value: T;
  onChange: (value: T) => void;
  options: { value: T; title: ReactNode; detail: ReactNode }[];
  columns: string;
}) {
  return (
    <fieldset className="space-y-2">
      <legend className="label mb-2">{label}</legend>
      <RadioGroup.Root
        value={value}
        onValueChange={(v) => onChange(v as T)}
        className={`grid gap-3 ${columns}`}
        aria-label={label}
      >
        {options.map((option) => (
          <RadioGroup.Item key={option.value} value={option.value} className={CHOICE}>
            <span className="flex items-center gap-2 text-sm font-semibold">
              <span
                aria-hidden
                className="grid size-4 place-items-center rounded-full border border-zinc-400 dark:border-zinc-500"
              >
                <RadioGroup.Indicator className="size-2 rounded-full bg-indigo-600 dark:bg-indigo-400" />
              </span>
              {option.title}
            </span>
            <span className="text-xs text-zinc-600 dark:text-zinc-400">{option.detail}</span>
          </RadioGroup.Item>
        ))}
      </RadioGroup.Root>
    </fieldset>
  );
}

/** "3 attempts: waits 1 s, then 2 s". */
export function retryDescription(preset: RetryPresetName): string {
  const waits = RETRY_PRESET_WAITS_MS[preset].map(duration);
  const last = waits.pop();
  const list = waits.length ? `${waits.join(", ")} and ${last}` : last;
  return `${plural(waits.length + 2, "attempt", "attempts")}: waits ${list} between them.`;
}

const CRM_SHORT: Record<CrmKind, string> = {
  gohighlevel: "Inbound Webhook trigger",
  make: "Custom webhook + API key",
  zapier: "Catch Hook trigger",
  custom: "Any HTTPS endpoint",
};

/** The fields of an endpoint, shared by "Add endpoint" and an endpoint's settings. */
export function EndpointFields({
  values,
  onChange,
  errors,
}: {
  values: EndpointFormValues;
  onChange: (values: EndpointFormValues) => void;
  errors: FieldErrors;
}) {
  const set = <K extends keyof EndpointFormValues>(key: K, value: EndpointFormValues[K]) =>
    onChange({ ...values, [key]: value });
  const preset = CRM_PRESETS[values.crm];

  const pickCrm = (crm: CrmKind) => {
    const header = CRM_PRESETS[crm].suggestedHeader;
    const hasHeader = header && values.headers.some((h) => h.name.toLowerCase() === header && !h.removed);
    // A limit still at the previous CRM's default follows the new CRM's (Zapier's 30/s goes with
    // Zapier); one the owner typed stays as typed.
    const before = defaultPacing(values.crm);
    const after = defaultPacing(crm);
    // Make.com checks its API key in a header: offer the row, the owner pastes the key.
    onChange({
      ...values,
      crm,
      headers: header && !hasHeader ? [...values.headers, newHeaderRow(header)] : values.headers,
      rateLimitPerSecond:
        values.rateLimitPerSecond === before.rateLimitPerSecond
          ? after.rateLimitPerSecond
          : values.rateLimitPerSecond,
      maxConcurrency:
        values.maxConcurrency === before.maxConcurrency ? after.maxConcurrency : values.maxConcurrency,
    });
  };

  return (
    <div className="space-y-8">
      <Choices
        label="Where do the webhooks go?"
        value={values.crm}
        onChange={pickCrm}
        columns="grid-cols-2 lg:grid-cols-4"
        options={CRM_KINDS.map((crm) => ({
          value: crm,
          title: CRM_PRESETS[crm].label,
          detail: CRM_SHORT[crm],
        }))}
      />

      <div className="space-y-5">
        <Field
          label="Webhook URL"
          error={errors.url}
          hint={
            <>
              <span className="font-medium text-zinc-700 dark:text-zinc-300">Where to find it: </span>
              <WithCode text={preset.hint} />
            </>
          }
        >
          {(props) => (
            <input
              {...props}
              className="input font-mono"
              type="url"
              inputMode="url"
              placeholder="https://hooks.example.com/…"
              value={values.url}
              onChange={(e) => set("url", e.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Name" error={errors.name} hint="Optional. Helps you tell endpoints apart.">
          {(props) => (
            <input
              {...props}
              className="input"
              placeholder={`${preset.label} – new leads`}
              value={values.name}
              onChange={(e) => set("name", e.target.value)}
            />
          )}
        </Field>
      </div>

      <Choices
        label="Body format"
        value={values.payloadFormat}
        onChange={(v) => set("payloadFormat", v)}
        columns="grid-cols-1 sm:grid-cols-2"
        options={[
          {
            value: "nested",
            title: "Nested JSON",
            detail:
              "The standard body: data.email, data.utm.source, data.fields.company. Best for your own code.",
          },
          {
            value: "flat",
            title: "Flat keys",
            detail:
              "One level of keys: email, first_name, utm_source, field_company. GoHighLevel's and Zapier's field pickers list them as they are, so mapping is a click per field.",
          },
        ]}
      />

      <Routing values={values} onChange={onChange} errors={errors} />

      <Choices
        label="When the receiver fails"
        value={values.retryPreset}
        onChange={(v) => set("retryPreset", v)}
        columns="grid-cols-1 sm:grid-cols-2"
        options={RETRY_PRESET_NAMES.map((name) => ({
          value: name,
          title: name === "standard" ? "Retry briefly" : "Retry for a day",
          detail: retryDescription(name),
        }))}
      />

      <Pacing values={values} onChange={onChange} errors={errors} />

      <HeadersEditor rows={values.headers} onChange={(rows) => set("headers", rows)} errors={errors} />

      <EnabledSwitch checked={values.enabled} onChange={(v) => set("enabled", v)} />
    </div>
  );
}

const EVENT_HINTS: Record<SubscribableEvent, string> = {
  "registration.submitted": "Someone submitted a form (the default).",
  "contact.deleted": "You erased a contact, so the CRM can erase it too.",
};

/** Which funnels and which events reach this endpoint. */
function Routing({
  values,
  onChange,
  errors,
}: {
  values: EndpointFormValues;
  onChange: (values: EndpointFormValues) => void;
  errors: FieldErrors;
}) {
  const projects = useQuery(trpc.funnels.list.queryOptions());
  const toggle = <T,>(list: T[], item: T, on: boolean) =>
    on ? [...list, item] : list.filter((x) => x !== item);
  const box = "size-4 rounded border-zinc-400 accent-indigo-600";
  return (
    <div className="space-y-6">
      <fieldset className="space-y-2">
        <legend className="label mb-1">Funnels</legend>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="endpoint-funnels"
            checked={values.allProjects}
            onChange={() => onChange({ ...values, allProjects: true })}
          />
          Every funnel, also ones you create later
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="endpoint-funnels"
            checked={!values.allProjects}
            onChange={() => onChange({ ...values, allProjects: false })}
          />
          Only these funnels:
        </label>
        {!values.allProjects && (
          <div className="ml-6 space-y-1">
            {projects.data?.length === 0 && (
              <p className="hint">You have no funnel yet: create one on the Funnels page.</p>
            )}
            {projects.data?.map((project) => (
              <label key={project.id} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  className={box}
                  checked={values.projectIds.includes(project.id)}
                  onChange={(e) =>
                    onChange({
                      ...values,
                      projectIds: toggle(values.projectIds, project.id, e.target.checked),
                    })
                  }
                />
                {project.name}
              </label>
            ))}
            {values.projectIds.length === 0 && projects.data?.length ? (
              <p className="hint">None chosen: this endpoint would receive no registrations.</p>
            ) : null}
          </div>
        )}
        {errors.projectIds && <FieldError>{`Funnels ${errors.projectIds}`}</FieldError>}
      </fieldset>
      <fieldset className="space-y-2">
        <legend className="label mb-1">Events</legend>
        {SUBSCRIBABLE_EVENTS.map((event) => (
          <label key={event} className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className={`${box} mt-0.5`}
              checked={values.eventTypes.includes(event)}
              onChange={(e) =>
                onChange({ ...values, eventTypes: toggle(values.eventTypes, event, e.target.checked) })
              }
            />
            <span>
              <code className="font-mono">{event}</code>
              <span className="hint block">{EVENT_HINTS[event]}</span>
            </span>
          </label>
        ))}
        {errors.eventTypes && <FieldError>{`Events ${errors.eventTypes}`}</FieldError>}
      </fieldset>
    </div>
  );
}

/** An endpoint's pacing for its page, in the form's words: "At most 30", "No limit". */
export function pacingFacts(pacing: EndpointPacing) {
  const limit = (value: number | null) => (value === null ? "No limit" : `At most ${value.toLocaleString()}`);
  return [
    { term: "Per second", value: limit(pacing.rateLimitPerSecond) },
    { term: "At once", value: limit(pacing.maxConcurrency) },
  ];
}

/** How fast Genie may send to this receiver: per second and at once, across every worker. */
function Pacing({
  values,
  onChange,
  errors,
}: {
  values: EndpointFormValues;
  onChange: (values: EndpointFormValues) => void;
  errors: FieldErrors;
}) {
  const zapier = values.crm === "zapier";
  return (
    <fieldset className="space-y-3">
      <legend className="label">Pacing</legend>
      <p className="hint">
        For receivers that refuse bursts. The limits hold across all of Genie's workers together. If the
        receiver still answers 429 (too many requests), only this endpoint slows down; the others keep their
        pace.
      </p>
      <div className="grid grid-cols-1 gap-5 sm:grid-cols-2">
        <LimitField
          label="Requests per second"
          error={errors.rateLimitPerSecond}
          hint={
            zapier
              ? "Zapier refuses more than about 33 per second: 30 stays under it. Empty: no limit."
              : "Attempts started per second. Empty: no limit."
          }
          value={values.rateLimitPerSecond}
          onChange={(rateLimitPerSecond) => onChange({ ...values, rateLimitPerSecond })}
        />
        <LimitField
          label="Requests at once"
          error={errors.maxConcurrency}
          hint="At most this many waiting for an answer at the same time. Empty: no limit."
          value={values.maxConcurrency}
          onChange={(maxConcurrency) => onChange({ ...values, maxConcurrency })}
        />
      </div>
    </fieldset>
  );
}

/** A whole-number limit of the endpoint's, typed as text so that empty can mean "no limit". */
function LimitField({
  label,
  error,
  hint,
  value,
  onChange,
}: {
  label: string;
  error: string | undefined;
  hint: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(props) => (
        <input
          {...props}
          className="input"
          inputMode="numeric"
          placeholder="No limit"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          autoComplete="off"
        />
      )}
    </Field>
  );
}

export function EnabledSwitch({
  checked,
  onChange,
}: {
  checked: boolean;
  onChange: (value: boolean) => void;
}) {
  return (
    <div className="flex items-start gap-3">
      <Switch.Root
        id="endpoint-enabled"
        checked={checked}
        onCheckedChange={onChange}
        aria-describedby="endpoint-enabled-hint"
        className="relative mt-0.5 h-6 w-11 shrink-0 rounded-full bg-zinc-300 transition-colors data-[state=checked]:bg-indigo-600 dark:bg-zinc-700 dark:data-[state=checked]:bg-indigo-500"
      >
        <Switch.Thumb className="block size-5 translate-x-0.5 rounded-full bg-white shadow transition-transform data-[state=checked]:translate-x-[1.375rem]" />
      </Switch.Root>
      <div>
        <label htmlFor="endpoint-enabled" className="label">
          Enabled
        </label>
        <p id="endpoint-enabled-hint" className="hint">
          {checked
            ? "New registrations are delivered to this endpoint."
            : "New registrations are not delivered here until you enable it."}
        </p>
      </div>
    </div>
  );
}

function HeadersEditor({
  rows,
  onChange,
  errors,
}: {
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  errors: FieldErrors;
}) {
  const update = (key: number, patch: Partial<HeaderRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  const visible = rows.filter((row) => !row.removed);
  return (
    <fieldset className="space-y-3">
      <legend className="label">Custom headers</legend>
      <p className="hint">
        Sent with every attempt, for receivers that check a key instead of the signature (Make.com's{" "}
        <code className="font-mono">x-make-apikey</code>, an <code className="font-mono">Authorization</code>{" "}
        token). Values are stored like secrets and never shown again.
      </p>
      {visible.length > 0 && (
        <ul className="space-y-3">
          {visible.map((row, index) => {
            const nameError = errors[`customHeaders.${row.name}#name`] ?? errors[`headers.${row.key}#name`];
            const valueError = errors[`customHeaders.${row.name}`];
            return (
              <li
                key={row.key}
                className="grid grid-cols-1 gap-2 sm:grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto]"
              >
                <div>
                  <label className="sr-only" htmlFor={`header-name-${row.key}`}>
                    Header {index + 1} name
                  </label>
                  <input
                    id={`header-name-${row.key}`}
                    className="input font-mono"
                    placeholder="x-api-key"
                    value={row.name}
                    readOnly={row.savedHint !== undefined}
                    aria-invalid={nameError ? true : undefined}
                    onChange={(e) => update(row.key, { name: e.target.value })}
                    spellCheck={false}
                    autoComplete="off"
                  />
                  {nameError && <FieldError>{`Header name ${nameError}`}</FieldError>}
                </div>
                <div>
                  <label className="sr-only" htmlFor={`header-value-${row.key}`}>
                    Header {index + 1} value
                    {row.savedHint !== undefined ? " (leave empty to keep the saved one)" : ""}
                  </label>
                  <input
                    id={`header-value-${row.key}`}
                    className="input font-mono"
                    type="password"
                    placeholder={
                      row.savedHint !== undefined ? `Saved (${row.savedHint}): type to replace` : "value"
                    }
                    value={row.value}
                    aria-invalid={valueError ? true : undefined}
                    onChange={(e) => update(row.key, { value: e.target.value })}
                    autoComplete="off"
                  />
                  {valueError && <FieldError>{`Value ${valueError}`}</FieldError>}
                </div>
                <Button
                  variant="ghost"
                  className="justify-self-start"
                  onClick={() =>
                    row.savedHint !== undefined
                      ? update(row.key, { removed: true })
                      : onChange(rows.filter((r) => r.key !== row.key))
                  }
                  aria-label={`Remove header ${row.name || index + 1}`}
                >
                  Remove
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      {errors.customHeaders && <FieldError>{errors.customHeaders}</FieldError>}
      <Button variant="secondary" onClick={() => onChange([...rows, newHeaderRow()])}>
        Add header
      </Button>
    </fieldset>
  );
}

/** The headers to send to the API: new and replaced values, and `null` for removed saved ones. */
function headerPatch(rows: HeaderRow[]): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (row.removed) patch[name] = null;
    else if (row.savedHint === undefined || row.value !== "") patch[name] = row.value;
  }
  return patch;
}

/** Two rows with one name would silently replace each other (header names ignore case). */
function duplicateHeaderErrors(rows: HeaderRow[]): FieldErrors {
  const seen = new Set<string>();
  const errors: FieldErrors = {};
  for (const row of rows) {
    if (row.removed) continue;
    const name = row.name.trim().toLowerCase();
    if (seen.has(name)) errors[`headers.${row.key}#name`] = "appears twice";
    seen.add(name);
  }
  return errors;
}

/**
 * A pacing field as the API wants it: empty is null (no limit), digits a number. Checked here, in the
 * owner's words: the schema's messages name the API field ("rateLimitPerSecond must be…").
 */
function parsePacing(text: string): { value: number | null; error?: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { value: null };
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (value >= 1 && value <= PACING_MAX) return { value };
  return {
    value: null,
    error: `must be a whole number from 1 to ${PACING_MAX.toLocaleString("en-US")}, or empty for no limit`,
  };
}

/**
 * The form's values as the API's input (plus `extra`, the id of an update), checked with the schema
 * the server uses and for header names given twice.
 */
export async function checkEndpointForm<N extends "endpointCreateSchema" | "endpointUpdateSchema">(
  schema: N,
  values: EndpointFormValues,
  extra: { id?: string } = {},
) {
  const rate = parsePacing(values.rateLimitPerSecond);
  const concurrency = parsePacing(values.maxConcurrency);
  const checked = await validate(schema, {
    ...extra,
    crm: values.crm,
    name: values.name,
    url: values.url.trim(),
    enabled: values.enabled,
    retryPreset: values.retryPreset,
    customHeaders: headerPatch(values.headers),
    projectIds: values.allProjects ? null : values.projectIds,
    // The default set is stored as null, so events added to the defaults later reach it too.
    eventTypes: sameEvents(values.eventTypes, DEFAULT_EVENTS) ? null : values.eventTypes,
    payloadFormat: values.payloadFormat,
    rateLimitPerSecond: rate.value,
    maxConcurrency: concurrency.value,
  });
  const errors: FieldErrors = { ...checked.errors, ...duplicateHeaderErrors(values.headers) };
  if (rate.error) errors.rateLimitPerSecond = rate.error;
  if (concurrency.error) errors.maxConcurrency = concurrency.error;
  return checked.data && Object.keys(errors).length === 0
    ? { data: checked.data, errors: null }
    : { data: null, errors };
}

function sameEvents(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((event) => b.includes(event));
}
