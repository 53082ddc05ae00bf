// Test helper: real HTTP servers on 127.0.0.1 (never any other address), closed after each test.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Loopback = {
  url(path?: string): string;
  /** Requests received, in order, with their full bodies. */
  requests: { method: string; path: string; headers: IncomingMessage["headers"]; body: Buffer }[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
};

type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

export async function startLoopback(
  handler: Handler = (_, response) => response.end("ok"),
): Promise<Loopback> {
  const requests: Loopback["requests"] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "/",
        headers: request.headers,
        body,
      });
      handler(request, response, body);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = "/") => `http://127.0.0.1:${port}${path}`,
    requests,
    connections: () => connections,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening: it was free a moment ago and is closed again. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
