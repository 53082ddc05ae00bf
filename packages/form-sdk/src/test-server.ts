// Test helper (not shipped: tsdown bundles from the entries only): a stand-in for Genie's intake on
// 127.0.0.1 that records every request and answers from a script, with CORS like the real one.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
export type Recorded = { headers: IncomingHttpHeaders; body: Record<string, unknown> };

/** Answers the scripted answers in order, then 201 with a contact id. */
export async function startIntake(script: Answer[] = []) {
  const requests: Recorded[] = [];
  const server = createServer((request, response) => {
    const cors = {
      "access-control-allow-origin": request.headers.origin ?? "*",
      "access-control-allow-headers": "content-type,idempotency-key",
      "access-control-expose-headers": "retry-after,idempotent-replayed",
    };
    if (request.method === "OPTIONS") return response.writeHead(204, cors).end();
    let raw = "";
    request.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    request.on("end", () => {
      requests.push({ headers: request.headers, body: JSON.parse(raw || "{}") });
      const answer = script.shift() ?? { status: 201, body: { id: `contact-${requests.length}` } };
      response
        .writeHead(answer.status, { "content-type": "application/json", ...cors, ...answer.headers })
        .end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
