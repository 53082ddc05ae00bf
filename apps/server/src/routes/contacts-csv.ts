import { Readable } from "node:stream";
import { contactFilterSchema, fieldErrorsOf } from "@genie/schemas";
import type { FastifyInstance } from "fastify";
import type { Auth } from "../auth";
import { bearerOf, verifyApiKey } from "../auth/api-key";
import type { Database } from "../db";
import { AppError, UNAUTHORIZED_MESSAGE } from "../errors";
import type { AccountLimits } from "../limits";
import { contactsCsv } from "../services/contacts";

/**
 * `GET /api/contacts.csv?search=…&projectId=…`: the account's contacts as a CSV download, for the
 * signed-in owner or an API key (read scope is enough; as in tRPC, a request with an Authorization
 * header is judged by its key alone, within the key's request limits). A plain GET (not tRPC) so a
 * link can download it; the session cookie is SameSite=Lax and the export changes nothing, so a
 * cross-site link gains an attacker nothing it can read.
 */
export async function contactsCsvRoute(
  app: FastifyInstance,
  options: { db: Database; auth: Auth; limits: AccountLimits },
) {
  app.get("/api/contacts.csv", async (request, reply) => {
    const { authorization } = request.headers;
    const bearer = authorization === undefined ? undefined : bearerOf(authorization);
    const apiKey = bearer ? await verifyApiKey(options.db, bearer) : null;
    const session = authorization === undefined ? await options.auth.sessionOf(request.headers) : apiKey;
    if (!session) {
      throw new AppError("UNAUTHORIZED", {
        reason: "unauthorized",
        userMessage: authorization === undefined ? "Sign in first." : UNAUTHORIZED_MESSAGE,
      });
    }
    const parsed = contactFilterSchema.safeParse(request.query);
    if (!parsed.success) {
      throw new AppError("BAD_REQUEST", {
        reason: "validation_failed",
        userMessage: "The export filters are not valid.",
        fieldErrors: fieldErrorsOf(parsed.error).fieldErrors,
      });
    }
    // The export runs until the last row is written, so it counts as running until the reply ends.
    const releaseKey = apiKey && (await options.limits.acquire("apiKeyRequests", apiKey.keyId));
    const release = await options.limits.acquire("contactsExport", session.userId).catch(async (error) => {
      await releaseKey?.();
      throw error;
    });
    reply.raw.once("close", () => {
      void release();
      void releaseKey?.();
    });
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="genie-contacts-${day}.csv"`)
      .header("cache-control", "no-store")
      .send(Readable.from(contactsCsv(options.db, session.userId, parsed.data)));
  });
}
