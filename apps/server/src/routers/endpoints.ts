import {
  byIdSchema,
  endpointCreateSchema,
  endpointHealthSchema,
  endpointSchema,
  endpointUpdatedSchema,
  endpointUpdateSchema,
  endpointWithSecretSchema,
  rotateSecretSchema,
} from "@genie/schemas";
import { z } from "zod";
import { accountLimit } from "../limits";
import { endpointHealth } from "../services/endpoint-health";
import * as endpoints from "../services/endpoints";
import { idempotent } from "../services/idempotency";
import { protectedProcedure, router } from "../trpc";

/** Settings: the account's webhook endpoints. Secrets appear in full only from create and rotateSecret. */
export const endpointsRouter = router({
  list: protectedProcedure
    .output(z.array(endpointSchema))
    .query(({ ctx }) => endpoints.listEndpoints(ctx.db, ctx.session.userId)),

  /** Last success, last failure, failures in a row and the 24 h success rate of every endpoint. */
  health: protectedProcedure
    .output(z.array(endpointHealthSchema))
    .query(({ ctx }) => endpointHealth(ctx.db, ctx.session.userId)),

  byId: protectedProcedure
    .input(byIdSchema)
    .output(endpointSchema)
    .query(({ ctx, input }) => endpoints.getEndpoint(ctx.db, ctx.session.userId, input)),

  create: protectedProcedure
    .use(accountLimit("endpointSave"))
    .input(endpointCreateSchema)
    .output(endpointWithSecretSchema)
    .mutation(({ ctx, input }) =>
      idempotent(ctx, "endpoints.create", input, {
        create: () => endpoints.createEndpoint(ctx.db, ctx.session.userId, input, ctx.outbound.ssrfAllow),
        idOf: (created) => created.endpoint.id,
        replay: (id) => endpoints.getEndpointWithSecret(ctx.db, ctx.session.userId, { id }),
      }),
    ),

  update: protectedProcedure
    .use(accountLimit("endpointSave"))
    .input(endpointUpdateSchema)
    .output(endpointUpdatedSchema)
    .mutation(({ ctx, input }) =>
      endpoints.updateEndpoint(ctx.db, ctx.session.userId, input, ctx.outbound.ssrfAllow),
    ),

  delete: protectedProcedure
    .input(byIdSchema)
    .output(byIdSchema)
    .mutation(({ ctx, input }) => endpoints.deleteEndpoint(ctx.db, ctx.session.userId, input)),

  rotateSecret: protectedProcedure
    .input(rotateSecretSchema)
    .output(endpointWithSecretSchema)
    .mutation(({ ctx, input }) => endpoints.rotateSecret(ctx.db, ctx.session.userId, input)),
});
