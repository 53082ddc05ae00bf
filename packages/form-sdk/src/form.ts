import { HONEYPOT_FIELD } from "@genie/schemas/limits";
import { type Attribution, type AttributionOptions, captureAttribution } from "./attribution";
import {
  attributionFields,
  type FieldValue,
  type GenieSubmitError,
  type Registration,
  type SubmitOptions,
  type SubmitResult,
  submitRegistration,
} from "./submit";
import { randomId } from "./text";

/** `detail` of the `genie:success` event. */
export type SuccessDetail = SubmitResult;
/** `detail` of the `genie:error` event; `status` 0 when Genie could not be reached. */
export type ErrorDetail = { status: number; error: string; fieldErrors: Record<string, string[]> };

export type AttachOptions = Partial<Pick<SubmitOptions, "api" | "retryDelays" | "fetch">> & {
  /** The funnel project. @default the form's `data-project` */
  projectId?: string;
  /** The funnel page. @default the form's `data-page` */
  pageId?: string;
  /** A thank-you page to open after a registration. @default the form's `data-genie-redirect` */
  redirect?: string;
  /** @default captureAttribution() with `lifetimeDays` */
  attribution?: Attribution;
  lifetimeDays?: AttributionOptions["lifetimeDays"];
  onSuccess?: (detail: SuccessDetail, form: HTMLFormElement) => void;
  onError?: (detail: ErrorDetail, form: HTMLFormElement) => void;
};

/** Words shown to the visitor; the form's `data-genie-success`, `-invalid`, `-network`, `-failed` replace them. */
const MESSAGES = {
  Success: "Thank you, you are registered.",
  Invalid: "Please check the marked fields.",
  Network: "No connection. Please try again.",
  Failed: "Not registered: ",
};

let ids = 0;

/**
 * Turns a `<form>` into a Genie registration form: on submit its named controls become a
 * registration (`email`, `name`, `phone`, a `consent` checkbox, anything else into `fields`, see
 * `readForm`) with
 * the page's attribution, posted with one Idempotency-Key per registration while the submit
 * buttons are disabled. Field errors appear beside their fields (`aria-invalid`,
 * `aria-describedby`), other messages in a polite live region. Dispatches `genie:success` and
 * `genie:error` on the form; a `genie:success` listener may `preventDefault()` to stop the redirect.
 * Attaching a form twice does nothing more.
 *
 * @example
 * attachForm(document.querySelector("form")!, {
 *   api: "https://genie.example.com",
 *   projectId: "…",
 *   onSuccess: ({ id }) => analytics.track("registered", { id }),
 * });
 */
export function attachForm(form: HTMLFormElement, attachOptions: AttachOptions = {}): void {
  const marked = form as HTMLFormElement & { genie?: true };
  if (marked.genie) return;
  marked.genie = true;
  const data = form.dataset;
  // Options given (not undefined) win over the form's data attributes.
  const options: AttachOptions = { ...attachOptions };
  options.api ??= data.api;
  options.projectId ??= data.project;
  options.pageId ??= data.page;
  options.redirect ??= data.genieRedirect;
  const attribution = options.attribution ?? captureAttribution({ lifetimeDays: options.lifetimeDays });
  let key: string | undefined;
  let busy = false;

  if (!form.querySelector(`[name=${HONEYPOT_FIELD}]`)) {
    // Off-screen through the CSSOM (a strict CSP allows it), hidden from assistive tech, out of the tab order.
    form.insertAdjacentHTML(
      "beforeend",
      `<div aria-hidden=true><input name=${HONEYPOT_FIELD} tabindex=-1 autocomplete=off></div>`,
    );
    const trap = form.lastElementChild as HTMLElement;
    trap.style.position = "absolute";
    trap.style.left = "-9999px";
  }
  // The messages' place: the marketer's [data-genie-message] element, else one at the end. A status
  // role is a polite live region: screen readers read each message once the visitor is idle.
  const live = form.querySelector("[data-genie-message]") ?? form.appendChild(document.createElement("p"));
  live.setAttribute("data-genie-message", "");
  live.setAttribute("role", "status");
  const say = (name: keyof typeof MESSAGES, more = "") => {
    live.textContent = (data[`genie${name}`] ?? MESSAGES[name]) + more;
  };

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const buttons = form.querySelectorAll<HTMLButtonElement>("button:not([type=button]),[type=submit]");
    for (const button of buttons) button.disabled = true;
    // The previous answer's field errors go (their notes stay, empty, still named by aria-describedby).
    for (const note of form.querySelectorAll(".genie-error")) note.textContent = "";
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    live.textContent = "";
    key ??= randomId();
    try {
      const attributed = attributionFields(attribution);
      const own = readForm(form);
      const registration: Registration = {
        ...attributed,
        ...own,
        email: own.email ?? "",
        projectId: options.projectId ?? "",
        pageId: options.pageId,
        fields: { ...attributed.fields, ...own.fields },
      };
      const result = await submitRegistration(registration, {
        api: options.api ?? "",
        idempotencyKey: key,
        retryDelays: options.retryDelays,
        fetch: options.fetch,
      });
      key = undefined;
      options.onSuccess?.(result, form);
      if (emit(form, "genie:success", result) && options.redirect) location.assign(options.redirect);
      else {
        form.reset();
        say("Success");
      }
    } catch (caught) {
      const { status = 0, error = "internal", fieldErrors = {}, message } = caught as GenieSubmitError;
      const detail: ErrorDetail = { status, error, fieldErrors };
      options.onError?.(detail, form);
      emit(form, "genie:error", detail);
      const unplaced: string[] = [];
      let first: HTMLElement | undefined;
      for (const [path, messages] of Object.entries(fieldErrors)) {
        // `fields.company` is the input named company; `consent.text` the consent checkbox.
        const name = path.replace(/^fields\.|^(consent)\..*/, "$1");
        const input = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
        if (!input || name === HONEYPOT_FIELD) {
          unplaced.push(`${path}: ${messages.join(" ")}`);
          continue;
        }
        input.setAttribute("aria-invalid", "true");
        noteOf(input).textContent = messages.join(" ");
        first ??= input;
      }
      first?.focus();
      if (!status) say("Network");
      else if (first && !unplaced[0]) say("Invalid");
      else say("Failed", unplaced.join(" ") || message);
    } finally {
      busy = false;
      for (const button of buttons) button.disabled = false;
    }
  };

  form.addEventListener("submit", onSubmit);
}

/** The error note of an input: created once, after it (or its label), and named by its aria-describedby. */
function noteOf(input: HTMLElement & { genieNote?: HTMLElement }): HTMLElement {
  if (!input.genieNote) {
    const note = document.createElement("span");
    note.className = "genie-error";
    note.id = `genie-error-${++ids}`;
    (input.closest("label") ?? input).after(note);
    input.setAttribute(
      "aria-describedby",
      `${input.getAttribute("aria-describedby") ?? ""} ${note.id}`.trim(),
    );
    input.genieNote = note;
  }
  return input.genieNote;
}

/** Dispatches a bubbling, cancelable event; false when a listener called preventDefault(). */
function emit(form: HTMLFormElement, type: string, detail: unknown): boolean {
  return form.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, cancelable: true }));
}

/**
 * The form's named controls as a registration's own fields, as the browser would post them (a
 * checked checkbox sends its value, an unchecked one nothing): `email`, `name`, `phone` and the
 * honeypot as they are; a checkbox named `consent` as consent (its label's words, whether it is
 * checked, now); any other control into `fields`. Empty values and files are left out.
 */
export function readForm(
  form: HTMLFormElement,
): Partial<Registration> & { fields: Record<string, FieldValue> } {
  const out: Partial<Registration> & { fields: Record<string, FieldValue> } = { fields: {} };
  const consent = form.querySelector<HTMLInputElement>("input[type=checkbox][name=consent]");
  if (consent) {
    const text = (consent.labels?.[0]?.textContent ?? consent.value).trim();
    out.consent = { text, given: consent.checked, at: new Date().toISOString() };
  }
  for (const [name, value] of new FormData(form)) {
    if (typeof value !== "string" || value === "" || name === "consent") continue;
    if (name === "email" || name === "name" || name === "phone" || name === HONEYPOT_FIELD) out[name] = value;
    else out.fields[name] = value;
  }
  return out;
}
