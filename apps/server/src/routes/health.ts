import type { FastifyInstance } from "fastify";
import type { Database } from "../db";
import { checkHealth } from "../services/health";

/** `GET /healthz`: 200 when the database answers and its migrations are current, else 503. */
export async function healthRoutes(app: FastifyInstance, options: { db: Database }) {
  app.get("/healthz", async (_request, reply) => {
    const health = await checkHealth(options.db);
    return reply.code(health.status === "ok" ? 200 : 503).send(health);
  });
}
