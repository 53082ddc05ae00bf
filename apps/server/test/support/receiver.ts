import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedRequest = { path: string; headers: IncomingHttpHeaders; body: string; at: number };

/**
 * How the receiver answers the n-th request (1-based) to a path, which it may also read; `hang`
 * never answers; answering nothing means 200.
 */
export type Script = (n: number, response: ServerResponse, request: ReceivedRequest) => "hang" | undefined;

/**
 * A CRM stand-in on 127.0.0.1: records every request and answers each path by its script (200 for
 * paths without one). It also counts requests in flight (arrived, not yet answered), the way a CRM
 * would see a sender's concurrency. Closing it also ends hanging responses.
 */
export async function startReceiver(scripts: Record<string, Script> = {}) {
  const received: ReceivedRequest[] = [];
  const counts = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const ALL = "*";
  const WEBHOOK = "webhook-id:";
  const track = (key: string, delta: number) => {
    const now = (inFlight.get(key) ?? 0) + delta;
    inFlight.set(key, now);
    peak.set(key, Math.max(peak.get(key) ?? 0, now));
  };
  const server = createServer((request, response) => {
    const webhookId = request.headers["webhook-id"];
    const keys = [
      ALL,
      request.url ?? "/",
      ...(typeof webhookId === "string" ? [`${WEBHOOK}${webhookId}`] : []),
    ];
    for (const key of keys) {
      track(key, 1);
      response.on("close", () => track(key, -1));
    }
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const path = request.url ?? "/";
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const record = { path, headers: request.headers, body, at: Date.now() };
      received.push(record);
      const script = scripts[path];
      if (script?.(n, response, record) === "hang") {
        hanging.add(response);
        return;
      }
      if (!response.writableEnded) response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    requestsTo: (path: string) => received.filter((r) => r.path === path),
    /** The most requests in flight at once, to one path or (without one) to the whole receiver. */
    peakInFlight: (path = ALL) => peak.get(path) ?? 0,
    /** The most requests of one webhook (by `webhook-id`) in flight at once, over all webhooks. */
    peakInFlightPerWebhook: () =>
      Math.max(0, ...[...peak].filter(([key]) => key.startsWith(WEBHOOK)).map(([, n]) => n)),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers with a status (and headers) for the listed attempts, 200 after them. */
export function statuses(...answers: (number | [number, Record<string, string>])[]): Script {
  return (n, response) => {
    const answer = answers[n - 1];
    if (answer !== undefined) {
      const [status, headers] = Array.isArray(answer) ? answer : [answer, {}];
      response.writeHead(status, headers).end(`status ${status}`);
    }
    return undefined;
  };
}

/**
 * Treats each webhook's first request (by `webhook-id`) apart: it hangs, or is answered with
 * `first`; later ones get 200. `seen` and `again` are the webhook ids received once and more.
 */
export function firstRequestPerWebhook(first: "hang" | number) {
  const seen = new Set<string>();
  const again = new Set<string>();
  const script: Script = (_n, response, request) => {
    const id = String(request.headers["webhook-id"]);
    if (seen.has(id)) {
      again.add(id);
      return undefined;
    }
    seen.add(id);
    if (first === "hang") return "hang";
    response.writeHead(first).end();
    return undefined;
  };
  return { script, seen, again };
}

/**
 * Delivery settings for a worker that sends to receivers on this machine (the SSRF guard lets
 * 127.0.0.1 through), polls often and has room for a test's traffic; tests override what they probe.
 */
export const LOOPBACK_DELIVERY = {
  ssrfAllow: ["127.0.0.1"],
  timeoutMs: 3000,
  pollIntervalMs: 100,
  maxInFlight: 32,
  maxInFlightPerEndpoint: 8,
};

/** Polls (bounded) until `check` returns a value other than undefined. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  label = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
}
