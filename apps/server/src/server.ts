import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyServerOptions } from "fastify";
import { authRoutes } from "./auth/routes";
import type { Role } from "./config";
import { createContextFactory } from "./context";
import { dashboardRoutes } from "./dashboard";
import type { Database } from "./db";
import { checkHealth } from "./health";
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
  /** Options of the public registration intake (rate limits, the dispatcher's hand-off). */
  intake?: Omit<IntakeOptions, "sql">;
  /** Options of the dashboard API: sign-in, test sends, the worker to tell about redeliveries. */
  api?: ApiOptions;
};

/** The HTTP face of Genie: tRPC for the dashboard, health, and the built dashboard itself. */
export async function buildServer({
  db,
  logger = false,
  role = "all",
  intake,
  api: apiOptions,
}: ServerOptions) {
  // tRPC's batch link joins procedure names into the path: Fastify's default 100 characters would 404.
  const app = Fastify({ logger, bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 5000 } });

  app.get("/healthz", async (_request, reply) => {
    const health = await checkHealth(db);
    return reply.code(health.status === "ok" ? 200 : 503).send(health);
  });

  if (role === "worker") return app;

  await app.register(intakeRoutes, { sql: db.sql, ...intake });

  const api = createApi(db, apiOptions);
  app.addHook("onClose", () => api.close());
  await app.register(authRoutes, { auth: api.auth });
  await app.register(contactsCsvRoute, { db, auth: api.auth });

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: createContextFactory(db, api.context),
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  // The dashboard is a static SPA built by Vite; `pnpm start` builds it first.
  if (existsSync(DASHBOARD_DIST)) await app.register(dashboardRoutes, { root: DASHBOARD_DIST });

  return app;
}
