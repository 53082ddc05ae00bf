import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyServerOptions } from "fastify";
import { authRoutes } from "./auth/routes";
import type { HttpSettings, Role } from "./config";
import { createContextFactory } from "./context";
import type { Database } from "./db";
import { isAppError } from "./errors";
import { checkHealth } from "./health";
import { DEFAULT_HTTP_SETTINGS, securityHeaders, serverOptionsOf } from "./http/security";
import { restErrorHandler } from "./http-errors";
import { type IntakeOptions, intakeRoutes } from "./intake/routes";
import { type AppRouter, appRouter } from "./routers/_app";
import { type ApiOptions, createApi } from "./services/api";
import { contactsCsvRoute } from "./services/contacts-route";

const DASHBOARD_DIST = fileURLToPath(new URL("../../dashboard/dist", import.meta.url));

export type ServerOptions = {
  db: Database;
  logger?: FastifyServerOptions["logger"];
  /** A worker-only process serves /healthz and nothing else. @default "all" */
  role?: Role;
  /** Options of the public registration intake (rate limits, the worker's hand-off). */
  intake?: Omit<IntakeOptions, "sql">;
  /** Options of the dashboard API: sign-in, test sends, the worker to tell about redeliveries. */
  api?: ApiOptions;
  /** Public address, trusted proxies, timeouts, body size (config.http). @default DEFAULT_HTTP_SETTINGS */
  http?: HttpSettings;
  /** Where the built dashboard is served from. @default apps/dashboard/dist */
  dashboardDir?: string;
};

/** The HTTP face of Genie: tRPC for the dashboard, health, and the built dashboard itself. */
export async function buildServer({
  db,
  logger = false,
  role = "all",
  intake,
  api: apiOptions,
  http = DEFAULT_HTTP_SETTINGS,
  dashboardDir = DASHBOARD_DIST,
}: ServerOptions) {
  const app = Fastify({ logger, ...serverOptionsOf(http) });
  await securityHeaders(app, { publicUrl: http.publicUrl });
  // Inherited by every REST route registered below; tRPC answers its own errors.
  app.setErrorHandler(restErrorHandler);

  app.get("/healthz", async (_request, reply) => {
    const health = await checkHealth(db);
    return reply.code(health.status === "ok" ? 200 : 503).send(health);
  });

  if (role === "worker") return app;

  await app.register(intakeRoutes, { sql: db.sql, ...intake });

  const api = createApi(db, { ...(http.publicUrl && { publicUrl: http.publicUrl }), ...apiOptions });
  app.addHook("onClose", () => api.close());
  await app.register(authRoutes, { auth: api.auth });
  await app.register(contactsCsvRoute, { db, auth: api.auth, limits: api.context.limits });

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: createContextFactory(db, api.context),
      // Unexpected errors are answered with a generic message (trpc.ts); their cause is logged here.
      onError({ error, path, req }) {
        if (error.code === "INTERNAL_SERVER_ERROR" && !isAppError(error.cause)) {
          req.log.error({ err: error.cause ?? error, procedure: path }, "procedure failed");
        }
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  // The dashboard is a static SPA built by Vite; `pnpm start` builds it first.
  if (existsSync(dashboardDir)) {
    await app.register(fastifyStatic, { root: dashboardDir });
  }

  return app;
}
