import { once } from "node:events";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Database, DatabaseMode } from "../../src/db";
import { buildServer, type ServerOptions } from "../../src/server";
import { openTestDatabase } from "./databases";

export const PASSWORD = "correct horse battery";
export const TEST_AUTH_SECRET = "test-secret-test-secret-test-secret!";

/**
 * Servers listening on 127.0.0.1 over one fresh test database; `close()` closes every server started
 * and drops the database.
 */
export async function openTestServers(mode: DatabaseMode) {
  const db: Database = await openTestDatabase(mode);
  const apps: Awaited<ReturnType<typeof buildServer>>[] = [];
  return {
    db,
    /** Builds and starts a server; answers its base URL (`http://127.0.0.1:<port>`). */
    async start(options: Omit<ServerOptions, "db"> = {}): Promise<string> {
      const app = await buildServer({ db, ...options });
      apps.push(app);
      return app.listen({ port: 0, host: "127.0.0.1" });
    },
    async close() {
      for (const app of apps) await app.close();
      await db.close();
    },
  };
}

/** The `name=value` pairs of a response's Set-Cookie headers, as a Cookie header. */
export const cookieOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");

/**
 * A browser-like client of a running server: JSON posts with an `Origin` (browsers send one with every
 * POST, Node's fetch does not) and any headers a proxy in front would add, sign-up, and tRPC calls.
 */
export function httpClient(
  baseUrl: string,
  options: { origin?: string; headers?: Record<string, string> } = {},
) {
  const defaults = { origin: options.origin ?? baseUrl, ...options.headers };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...defaults, ...headers },
      body: JSON.stringify(body),
    });
  return {
    post,
    /** Signs a new account up and answers its session cookie; throws unless the server said 200. */
    async signUp(email: string, headers: Record<string, string> = {}) {
      const response = await post(
        "/api/auth/sign-up/email",
        { name: "Owner", email, password: PASSWORD },
        headers,
      );
      if (response.status !== 200)
        throw new Error(`sign-up answered ${response.status}: ${await response.text()}`);
      return { cookie: cookieOf(response), setCookie: response.headers.getSetCookie() };
    },
    signIn: (email: string, password: string, headers: Record<string, string> = {}) =>
      post("/api/auth/sign-in/email", { email, password }, headers),
    mutation: (procedure: string, input: unknown, cookie: string, headers: Record<string, string> = {}) =>
      post(`/trpc/${procedure}`, input, { cookie, ...headers }),
    query: (procedure: string, cookie: string, headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}/trpc/${procedure}`, { headers: { ...defaults, cookie, ...headers } }),
  };
}

/** The `result.data` of a tRPC answer, or its error. */
export async function trpcResult<T>(
  response: Response,
): Promise<{ status: number; data?: T; error?: { message: string; data: { code: string } } }> {
  const body = (await response.json()) as {
    result?: { data: T };
    error?: { message: string; data: { code: string } };
  };
  return {
    status: response.status,
    ...(body.result && { data: body.result.data }),
    ...(body.error && { error: body.error }),
  };
}

/**
 * A slow client: sends `head` at once, then `drip` one character every `everyMs`, until the server
 * closes the connection or everything was sent (so at most `drip.length` steps). Answers what the
 * server wrote and how many characters of `drip` it had received by then.
 */
export async function trickle(baseUrl: string, head: string, drip: string, everyMs: number) {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  let answer = "";
  let closed = false;
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    answer += chunk;
  });
  socket.on("error", () => {}); // a write after the server closed: the close below says enough
  const ended = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  await once(socket, "connect");
  socket.write(head);
  let dripped = 0;
  while (!closed && dripped < drip.length) {
    await sleep(everyMs);
    if (closed) break;
    socket.write(drip.charAt(dripped));
    dripped++;
  }
  const cutByServer = closed;
  socket.destroy();
  await ended;
  return { answer, dripped, cutByServer };
}
