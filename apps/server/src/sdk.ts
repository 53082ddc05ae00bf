import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/**
 * Five minutes, then a revalidation answered 304 by ETag: the file names carry no version (the
 * snippets on marketers' pages name `/sdk/genie-form.js` forever), so a new build must reach pages
 * soon, while a page view must not wait for Genie on every load.
 */
const SDK_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400";

const SDK_FILE = /^\/[a-z][a-z0-9-]*\.(js|css)$/;

/**
 * `GET /sdk/*`: the form SDK's browser files (`genie-form.js`, `genie-form-render.js`,
 * `genie-form.css`) as built by `@genie/form-sdk`, for `<script>` tags on funnel pages of any site
 * (security.ts gives them `Cross-Origin-Resource-Policy: cross-origin`). ETag and Last-Modified come
 * from @fastify/static, which answers a matching `If-None-Match` with 304.
 */
export async function sdkRoutes(app: FastifyInstance, options: { root: string }) {
  await app.register(fastifyStatic, {
    root: options.root,
    prefix: "/sdk/",
    // The dashboard's registration decorates the reply; one decoration per server.
    decorateReply: false,
    index: false,
    dotfiles: "deny",
    etag: true,
    cacheControl: false,
    // Only the built files' names: a directory, a dotfile or a path with `..` is a plain 404.
    allowedPath: (pathName) => SDK_FILE.test(pathName),
    setHeaders(reply) {
      reply.header("cache-control", SDK_CACHE_CONTROL);
    },
  });
}
