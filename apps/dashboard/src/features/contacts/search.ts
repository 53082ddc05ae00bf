/** The contacts list's filters, in the URL. */
export type ContactsSearch = { q?: string; project?: string };

export function contactsSearch(search: Record<string, unknown>): ContactsSearch {
  const result: ContactsSearch = {};
  if (typeof search.q === "string" && search.q.trim()) result.q = search.q.trim().slice(0, 254);
  if (typeof search.project === "string" && search.project) result.project = search.project.slice(0, 36);
  return result;
}
