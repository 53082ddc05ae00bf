/**
 * Where to go after signing in: the `redirect` search param only when it is a path of this app, else
 * the overview. Parsed as a URL against this origin, so every form that leaves the site is caught:
 * `https://evil.example`, `HTTPS://…`, `//evil.example`, `/\evil.example` (browsers read `\` as `/`),
 * `javascript:…`, and tab or newline tricks the URL parser strips.
 */
export function safeRedirect(target: unknown, origin = window.location.origin): string | undefined {
  if (typeof target !== "string" || !target.startsWith("/") || /^\/[\\/]/.test(target)) return undefined;
  let url: URL;
  try {
    url = new URL(target, origin);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The home page after signing in. */
export const HOME = "/";
