import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Paths the server answers itself; a miss under them is a plain 404, never the dashboard's page. */
const SERVER_PREFIXES = ["/api", "/trpc", "/sdk", "/healthz"];

/** A year: Vite names every file under /assets by a hash of its content, so it never changes. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves the dashboard built by Vite as a single-page app: the files of `root` as they are, and
 * `index.html` for any other page a browser asks for (`/endpoints/abc`), so deep links and reloads
 * land in the app, whose router then shows the page. `index.html` is revalidated on every visit so a
 * new build is picked up at once; the hashed assets it names are cached for a year.
 */
export async function dashboardRoutes(app: FastifyInstance, options: { root: string }) {
  await app.register(fastifyStatic, {
    root: options.root,
    // One route per built file instead of a catch-all, so the fallback below can own `GET /*`.
    wildcard: false,
    setHeaders(reply, filePath) {
      reply.header("cache-control", filePath.includes("/assets/") ? IMMUTABLE : "no-cache");
    },
  });

  app.get("/*", (request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const isServerPath = SERVER_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
    // Only a browser navigating gets the page: scripts and tools asking for a missing file get a 404.
    if (isServerPath || !request.headers.accept?.includes("text/html")) return reply.callNotFound();
    return reply.header("cache-control", "no-cache").sendFile("index.html");
  });
}
