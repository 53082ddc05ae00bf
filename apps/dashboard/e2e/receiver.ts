import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { path: string; headers: IncomingHttpHeaders; body: string };

/**
 * A CRM stand-in on 127.0.0.1. Every request is recorded with its raw body (signatures are checked
 * over the exact bytes); each path answers with the status and body set for it, 200 "ok" by default.
 */
export async function startReceiver() {
  const received: Received[] = [];
  const answers = new Map<string, { status: number; body: string }>();
  /** Answers given once each, in order, before `answers` applies again (a 500, 500, 200 sequence). */
  const scripts = new Map<string, { status: number; headers?: Record<string, string> }[]>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const scripted = scripts.get(path)?.shift();
      if (scripted) {
        response
          .writeHead(scripted.status, { "content-type": "text/plain", ...scripted.headers })
          .end(`status ${scripted.status}`);
        return;
      }
      const answer = answers.get(path) ?? { status: 200, body: "ok" };
      response.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    /** What `path` answers from now on. */
    answer(path: string, status: number, body = status < 300 ? "ok" : "error") {
      answers.set(path, { status, body });
    },
    /** The next requests to `path` get these answers, one each, in order; then `answer` applies. */
    script(path: string, ...sequence: (number | { status: number; headers: Record<string, string> })[]) {
      scripts.set(
        path,
        sequence.map((step) => (typeof step === "number" ? { status: step } : step)),
      );
    },
    /** Requests to `path`, oldest first. */
    requestsTo: (path: string) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
