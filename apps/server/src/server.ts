import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyServerOptions } from "fastify";
import { type AuthSettings, createAuth } from "./auth";
import type { HttpSettings, Role } from "./config";
import { createContextFactory } from "./context";
import { dashboardRoutes } from "./dashboard";
import type { Database } from "./db";
import type { DeliveryWaker } from "./delivery/contract";
import { isAppError } from "./errors";
import { DEFAULT_HTTP_SETTINGS, securityHeaders, serverOptionsOf } from "./http/security";
import { createAccountLimits, type Limit, type LimitedOperation } from "./limits";
import { type AppRouter, appRouter } from "./routers/_app";
import { authRoutes } from "./routes/auth";
import { contactsCsvRoute } from "./routes/contacts-csv";
import { restErrorHandler } from "./routes/errors";
import { healthRoutes } from "./routes/health";
import { type IntakeOptions, intakeRoutes } from "./routes/intake";
import { createOutbound, type OutboundSettings } from "./services/outbound";

const DASHBOARD_DIST = fileURLToPath(new URL("../../dashboard/dist", import.meta.url));

export type ServerOptions = {
  db: Database;
  logger?: FastifyServerOptions["logger"];
  /** A worker-only process serves /healthz and nothing else. @default "all" */
  role?: Role;
  /** Options of the public registration intake (rate limits, the worker's hand-off). */
  intake?: Omit<IntakeOptions, "sql">;
  /** Options of the dashboard API. */
  api?: {
    /**
     * Sign-in settings. Without them sessions are signed with a random secret of this process only,
     * so they end with it: main.ts passes `authSecretOf(config)` (auth/secret.ts).
     */
    auth?: Partial<AuthSettings>;
    /** SSRF allow-list and timeout of test sends (config.delivery). @default nothing internal, 15 s */
    outbound?: OutboundSettings;
    /** The delivery worker of this process, woken for redeliveries. */
    worker?: DeliveryWaker;
    /** Per-account limits of expensive procedures, per process. @default DEFAULT_ACCOUNT_LIMITS */
    limits?: Partial<Record<LimitedOperation, Limit>>;
    /** How long logs are kept (config.retentionDays), for the logs page to say. @default 30 */
    retentionDays?: number;
  };
  /** Public address, trusted proxies, timeouts, body size (config.http). @default DEFAULT_HTTP_SETTINGS */
  http?: HttpSettings;
  /** Where the built dashboard is served from. @default apps/dashboard/dist */
  dashboardDir?: string;
};

/**
 * The HTTP face of Genie, composed in one place: security headers, health, the public intake,
 * sign-in, the CSV export, the tRPC API of the dashboard, and the built dashboard itself. A
 * worker-only process serves /healthz and nothing else.
 */
export async function buildServer({
  db,
  logger = false,
  role = "all",
  intake,
  api = {},
  http = DEFAULT_HTTP_SETTINGS,
  dashboardDir = DASHBOARD_DIST,
}: ServerOptions) {
  const app = Fastify({ logger, ...serverOptionsOf(http) });
  await securityHeaders(app, { publicUrl: http.publicUrl });
  // Inherited by every REST route registered below; tRPC answers its own errors.
  app.setErrorHandler(restErrorHandler);
  await app.register(healthRoutes, { db });
  if (role === "worker") return app;

  await app.register(intakeRoutes, { sql: db.sql, ...intake });

  const auth = createAuth(db.prisma, {
    ...api.auth,
    secret: api.auth?.secret ?? randomBytes(32).toString("base64"),
    ...(http.publicUrl && { publicUrl: http.publicUrl }),
  });
  const outbound = createOutbound(api.outbound);
  app.addHook("onClose", () => outbound.agent.close());
  const limits = createAccountLimits(api.limits);
  await app.register(authRoutes, { auth });
  await app.register(contactsCsvRoute, { db, auth, limits });

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: createContextFactory(db, {
        auth,
        outbound,
        limits,
        ...(api.auth?.trustedOrigins && { trustedOrigins: api.auth.trustedOrigins }),
        ...(api.worker && { worker: api.worker }),
        ...(api.retentionDays && { retentionDays: api.retentionDays }),
        ...(http.publicUrl && { publicUrl: http.publicUrl }),
      }),
      // Unexpected errors are answered with a generic message (trpc.ts); their cause is logged here.
      onError({ error, path, req }) {
        if (error.code === "INTERNAL_SERVER_ERROR" && !isAppError(error.cause)) {
          req.log.error({ err: error.cause ?? error, procedure: path }, "procedure failed");
        }
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  // The dashboard is a static SPA built by Vite; `pnpm start` builds it first.
  if (existsSync(dashboardDir)) await app.register(dashboardRoutes, { root: dashboardDir });

  return app;
}
