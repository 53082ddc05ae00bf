import type { FastifyServerOptions } from "fastify";

type LoggedRequest = { method: string; url: string; ip?: string };

/**
 * The server's log settings. A request is logged by its method and path only: query strings carry
 * what people searched for and tRPC queries' input (contact emails, filters), and bodies are never
 * logged. The procedure path (`/trpc/contacts.list`), the status and the time stay.
 */
export function serverLogger(level: string): FastifyServerOptions["logger"] {
  return {
    level,
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: withoutQuery(request.url),
        remoteAddress: request.ip,
      }),
    },
  };
}

export function withoutQuery(url: string): string {
  const at = url.indexOf("?");
  return at === -1 ? url : url.slice(0, at);
}
