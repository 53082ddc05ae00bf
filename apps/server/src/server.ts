import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyServerOptions } from "fastify";
import type { AuthMail, AuthSettings } from "./auth";
import type { HttpSettings, Role } from "./config";
import { createContextFactory } from "./context";
import type { Database } from "./db";
import type { DeliveryWaker } from "./delivery/contract";
import { isAppError } from "./errors";
import {
  DEFAULT_HTTP_SETTINGS,
  refuseMalformedHost,
  securityHeaders,
  serverOptionsOf,
} from "./http/security";
import { limitStoreFor } from "./limit-store";
import { createAccountLimits, type Limit, type LimitedOperation } from "./limits";
import { startLiveFeed } from "./live/feed";
import { createMetrics, type Metrics } from "./metrics";
import { type AppRouter, appRouter } from "./routers/_app";
import { authRoutes } from "./routes/auth";
import { contactsCsvRoute } from "./routes/contacts-csv";
import { notFoundHandler, restErrorHandler } from "./routes/errors";
import { healthRoutes } from "./routes/health";
import { type IntakeOptions, intakeRoutes } from "./routes/intake";
import { metricsRoutes } from "./routes/metrics";
import { unsubscribeRoutes } from "./routes/unsubscribe";
import { sdkRoutes } from "./sdk";
import { createOutbound, type OutboundSettings } from "./services/outbound";
import { MAX_BATCH_SIZE } from "./settings/trpc";

const DASHBOARD_DIST = fileURLToPath(new URL("../../dashboard/dist", import.meta.url));
const SDK_DIST = fileURLToPath(new URL("../../../packages/form-sdk/dist/browser", import.meta.url));

export type ServerOptions = {
  db: Database;
  logger?: FastifyServerOptions["logger"];
  /** A worker-only process serves /healthz and /metrics and nothing else. @default "all" */
  role?: Role;
  /** Options of the public registration intake (rate limits, the worker's hand-off). */
  intake?: Omit<IntakeOptions, "sql" | "metrics">;
  /**
   * This process's metrics (the worker's too, when it has one), served at /metrics behind
   * `metricsToken`; without a token /metrics answers 404. @default a registry of this server's own
   */
  metrics?: Metrics;
  metricsToken?: string | null;
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
    /**
     * Per-account limits of expensive procedures, counted in the database on PostgreSQL (shared by
     * every API process) and in memory on the embedded database. @default DEFAULT_ACCOUNT_LIMITS
     */
    limits?: Partial<Record<LimitedOperation, Limit>>;
    /** How long logs are kept (config.retentionDays), for the logs page to say. @default 30 */
    retentionDays?: number;
    /** How often open live streams check their session again. @default SESSION_RECHECK_MS (30 s) */
    liveRecheckMs?: number;
    /** Account mail (reset, verification) through the outbox; absent: mail is off. */
    mail?: AuthMail;
  };
  /** Public address, trusted proxies, timeouts, body size (config.http). @default DEFAULT_HTTP_SETTINGS */
  http?: HttpSettings;
  /** Where the built dashboard is served from. @default apps/dashboard/dist */
  dashboardDir?: string;
  /** Where the form SDK's browser files are served from (`/sdk/*`). @default packages/form-sdk/dist/browser */
  sdkDir?: string;
};

/**
 * The HTTP face of Genie, composed in one place: security headers, health, the public intake,
 * sign-in, the CSV export, the tRPC API of the dashboard, the form SDK's files and the built
 * dashboard. A worker-only process serves /healthz and /metrics and nothing else.
 */
export async function buildServer({
  db,
  logger = false,
  role = "all",
  intake,
  api = {},
  http = DEFAULT_HTTP_SETTINGS,
  dashboardDir = DASHBOARD_DIST,
  sdkDir = SDK_DIST,
  metrics = createMetrics(),
  metricsToken = null,
}: ServerOptions) {
  const app = Fastify({ logger, ...serverOptionsOf(http) });
  await securityHeaders(app, { publicUrl: http.publicUrl });
  refuseMalformedHost(app);
  // Inherited by every REST route registered below; tRPC answers its own errors.
  app.setErrorHandler(restErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await app.register(healthRoutes, { db });
  // The live delivery log (live/feed.ts): every role runs it, since the process that records an
  // attempt may not be the one serving the tab. Closed first on shutdown: open tabs' streams end at
  // once instead of holding the stop for the grace period.
  const live = startLiveFeed(db, { onError: (error) => app.log.warn({ err: error }, "live feed") });
  app.addHook("preClose", async () => live.close());
  await app.register(metricsRoutes, { db, metrics, token: metricsToken ?? undefined });
  if (role === "worker") return app;

  await app.register(intakeRoutes, { sql: db.sql, metrics, ...intake });

  // Shared by every API process on PostgreSQL; in memory on the embedded database (one process).
  const limitStore = limitStoreFor(db);
  // Loaded only by processes that serve the API: a worker never holds the auth library.
  const { createAuth } = await import("./auth");
  const auth = createAuth(db.prisma, {
    rateLimitStore: limitStore.windows,
    ...api.auth,
    secret: api.auth?.secret ?? randomBytes(32).toString("base64"),
    ...(http.publicUrl && { publicUrl: http.publicUrl }),
    ...(api.mail && { mail: api.mail }),
  });
  const outbound = createOutbound(api.outbound);
  app.addHook("onClose", () => outbound.agent.close());
  const limits = createAccountLimits(api.limits, limitStore);
  await app.register(authRoutes, { auth });
  await app.register(unsubscribeRoutes, { db });
  await app.register(contactsCsvRoute, { db, auth, limits });

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: createContextFactory(db, {
        auth,
        outbound,
        limits,
        ...(api.auth?.trustedOrigins && { trustedOrigins: api.auth.trustedOrigins }),
        ...(api.worker && { worker: api.worker }),
        ...(api.retentionDays && { retentionDays: api.retentionDays }),
        live,
        ...(api.liveRecheckMs && { liveRecheckMs: api.liveRecheckMs }),
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

  // The form SDK's <script> files (read per request, so a build made after start is served) and the
  // dashboard (a static SPA built by Vite, loaded only where it was built): `pnpm start` builds both.
  await app.register(sdkRoutes, { root: sdkDir });
  if (existsSync(dashboardDir)) {
    const { dashboardRoutes } = await import("./dashboard");
    await app.register(dashboardRoutes, { root: dashboardDir });
  }

  return app;
}
