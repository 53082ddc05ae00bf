import type { FastifyInstance, FastifyReply } from "fastify";
import type { Database } from "../db";
import { escapeHtml } from "../mail/messages";
import { readUnsubscribeToken } from "../mail/unsubscribe";
import { turnAlertOff } from "../services/account-mail";

const KIND_WORDS = {
  disabled: "an endpoint was disabled",
  failing: "an endpoint is failing",
  recovered: "an endpoint recovered",
} as const;

/** The pages' look (served as a file: the CSP allows no inline style), light and dark. */
const PAGE_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; background: #f4f4f5; color: #18181b; }
main { max-width: 32rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 0.75rem;
  box-shadow: 0 1px 3px rgb(0 0 0 / 0.1); }
h1 { font-size: 1.25rem; margin-top: 0; }
a { color: #4338ca; }
button { font: inherit; font-weight: 600; color: #fff; background: #4f46e5; border: 0; border-radius: 0.5rem;
  padding: 0.5rem 0.9rem; cursor: pointer; }
button:focus-visible, a:focus-visible { outline: 2px solid #6366f1; outline-offset: 2px; }
@media (prefers-color-scheme: dark) {
  body { background: #09090b; color: #e4e4e7; }
  main { background: #18181b; }
  a { color: #a5b4fc; }
}
@media (max-width: 40rem) { main { margin: 1rem; padding: 1.25rem; } }
`;

/**
 * One-click unsubscribe from an alert kind (RFC 8058). The link in the mail (and its
 * `List-Unsubscribe` header) carries a signed token naming the account and the kind:
 * - GET shows a confirmation page and changes nothing (mail scanners follow links);
 * - POST turns the kind off. It needs no cookie: mail clients send it form-encoded
 *   (`List-Unsubscribe=One-Click`) from the header, the confirmation page's button sends the same.
 */
export async function unsubscribeRoutes(app: FastifyInstance, options: { db: Database }) {
  const { db } = options;
  // Bodies are not read (the token in the URL is the authority); these parsers only accept them.
  for (const type of ["application/x-www-form-urlencoded", "multipart/form-data"]) {
    app.addContentTypeParser(type, { parseAs: "string", bodyLimit: 4096 }, (_request, _body, done) =>
      done(null, null),
    );
  }

  app.get("/api/mail/page.css", async (_request, reply) =>
    reply
      .header("content-type", "text/css; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(PAGE_CSS),
  );

  app.get<{ Querystring: { token?: string } }>("/api/mail/unsubscribe", async (request, reply) => {
    const found = readUnsubscribeToken(db.keys, String(request.query.token ?? ""));
    if (!found)
      return page(
        reply,
        400,
        "This link does not work",
        "<p>The unsubscribe link is not valid. Turn alert mails on or off on your account page.</p>",
      );
    const action = `/api/mail/unsubscribe?token=${encodeURIComponent(String(request.query.token))}`;
    return page(
      reply,
      200,
      "Stop these alert mails?",
      `<p>You will no longer get a mail when ${KIND_WORDS[found.kind]}. Other alerts stay as they are.</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Turn these alerts off</button></form>
<p><a href="/account">Keep them, go to my account</a></p>`,
    );
  });

  app.post<{ Querystring: { token?: string } }>("/api/mail/unsubscribe", async (request, reply) => {
    const found = readUnsubscribeToken(db.keys, String(request.query.token ?? ""));
    if (!found || !(await turnAlertOff(db, found.userId, found.kind))) {
      return page(
        reply,
        400,
        "This link does not work",
        "<p>The unsubscribe link is not valid. Turn alert mails on or off on your account page.</p>",
      );
    }
    request.log.info({ kind: found.kind }, "alert mails turned off by unsubscribe link");
    return page(
      reply,
      200,
      "Alerts turned off",
      `<p>You will no longer get a mail when ${KIND_WORDS[found.kind]}. Turn it on again on your <a href="/account">account page</a>.</p>`,
    );
  });
}

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><link rel="stylesheet" href="/api/mail/page.css"><title>${escapeHtml(title)} · Genie</title></head>\n<body><main><h1>${escapeHtml(title)}</h1>\n${body}\n</main></body></html>\n`,
    );
}
