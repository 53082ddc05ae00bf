// The HTML marketers paste into a funnel page, and the attribute names the form SDK reads from it:
// one set of names for the snippet, the SDK and the README. No zod: the SDK's tests import it.

/** Marks a form the SDK enhances; its other attributes say where registrations belong. */
export const FORM_ATTRIBUTE = "data-genie-form";

/**
 * The form SDK's attributes, as the snippet writes them and the SDK reads them (`form.dataset.project`).
 * `api` is on the `<script>` tag; the others on the `<form>`.
 */
export const EMBED_ATTRIBUTES = {
  /** The funnel project's id (required). */
  project: "data-project",
  /** The funnel page's id. */
  page: "data-page",
  /** Genie's address, where registrations are posted (on the script; on the form too). */
  api: "data-api",
  /** A thank-you page opened after a registration. */
  redirect: "data-genie-redirect",
} as const;

/**
 * The HTML a marketer pastes into a funnel page: an empty form (the SDK renders the default form
 * into it) and the SDK's `<script>`, told which project and page registrations belong to and where
 * to post them. Ids and URL are attribute-escaped.
 *
 * @example
 * embedSnippet("https://genie.example.com", projectId, pageId);
 */
export function embedSnippet(publicUrl: string, projectId: string, pageId?: string): string {
  const base = publicUrl.replace(/\/+$/, "");
  const page = pageId ? ` ${EMBED_ATTRIBUTES.page}="${escapeAttribute(pageId)}"` : "";
  return [
    `<form ${FORM_ATTRIBUTE} ${EMBED_ATTRIBUTES.project}="${escapeAttribute(projectId)}"${page}></form>`,
    `<script src="${escapeAttribute(base)}/sdk/genie-form.js" ${EMBED_ATTRIBUTES.api}="${escapeAttribute(base)}" async></script>`,
  ].join("\n");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
