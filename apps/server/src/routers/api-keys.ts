import { apiKeyCreatedSchema, apiKeyCreateSchema, apiKeySchema, byIdSchema } from "@genie/schemas";
import { z } from "zod";
import * as apiKeys from "../services/api-keys";
import { router, sessionProcedure } from "../trpc";

/** The account's API keys, managed from the dashboard only: a key cannot make or revoke keys. */
export const apiKeysRouter = router({
  list: sessionProcedure
    .output(z.array(apiKeySchema))
    .query(({ ctx }) => apiKeys.listApiKeys(ctx.db, ctx.session.userId)),

  /** The one answer that carries the whole key. */
  create: sessionProcedure
    .input(apiKeyCreateSchema)
    .output(apiKeyCreatedSchema)
    .mutation(({ ctx, input }) => apiKeys.createApiKey(ctx.db, ctx.session.userId, input)),

  /** Takes effect at once: the next request with the key is refused. */
  revoke: sessionProcedure
    .input(byIdSchema)
    .output(byIdSchema)
    .mutation(({ ctx, input }) => apiKeys.revokeApiKey(ctx.db, ctx.session.userId, input)),
});
