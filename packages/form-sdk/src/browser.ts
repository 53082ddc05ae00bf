// The <script> build (/sdk/genie-form.js): enhances every <form data-genie-form> of the page. One
// global, `GenieForm`, which is also the queue stub's name: calls made before this script ran
// (`GenieForm("attach", form, options)`) are replayed, later calls run at once.
import { captureAttribution } from "./attribution";
import { type AttachOptions, attachForm } from "./form";

type Command = [name: "attach", target: HTMLFormElement | string, options?: AttachOptions];
type Global = ((...command: Command) => void) & {
  q?: ArrayLike<unknown>[];
  loaded?: boolean;
  render?: (form: HTMLFormElement) => void;
};

const w = window as unknown as { GenieForm?: Global };
const stub = w.GenieForm;

// A second copy of the script (pasted twice, or with a second form) leaves the first in charge.
if (!stub?.loaded) {
  const script = document.currentScript as HTMLScriptElement | null;
  const src = script?.src ?? "";
  // The snippet's data-api, else the origin the script came from; none: the form's own data-api.
  const api = script?.dataset.api || (src && new URL(src).origin) || undefined;
  const attribution = captureAttribution();
  let renderer: Promise<unknown> | undefined;

  const attach = (form: HTMLFormElement, options: AttachOptions = {}) => {
    const go = () => attachForm(form, { api, attribution, ...options });
    // A form with no fields of its own gets the default form, from a second file loaded only then.
    if ([...form.elements].some((e) => (e as HTMLInputElement).name)) return go();
    renderer ??= new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = src.replace(/[^/?#]*([?#].*)?$/, "genie-form-render.js");
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.append(tag);
    });
    renderer.then(() => {
      genie.render?.(form);
      go();
    });
  };

  const genie: Global = Object.assign(
    (...[name, target, options]: Command) => {
      if (name !== "attach") return;
      const form = typeof target === "string" ? document.querySelector<HTMLFormElement>(target) : target;
      if (form) attach(form, options);
    },
    { loaded: true },
  );
  w.GenieForm = genie;
  const start = () => {
    for (const form of document.querySelectorAll<HTMLFormElement>("form[data-genie-form]")) attach(form);
    for (const command of Array.from(stub?.q ?? [])) genie(...(Array.from(command) as Command));
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
