import {
  byIdSchema,
  pageCreateSchema,
  pageSchema,
  pageUpdateSchema,
  projectCreateSchema,
  projectSchema,
  projectUpdateSchema,
} from "@genie/schemas";
import { z } from "zod";
import * as funnels from "../services/funnels";
import { idempotent } from "../services/idempotency";
import { protectedProcedure, router } from "../trpc";

/** Funnel projects and their pages: what registration forms belong to, with embed snippets. */
export const funnelsRouter = router({
  list: protectedProcedure
    .output(z.array(projectSchema))
    .query(({ ctx }) => funnels.listProjects(ctx.db, ctx.session.userId, ctx.publicUrl)),

  byId: protectedProcedure
    .input(byIdSchema)
    .output(projectSchema)
    .query(({ ctx, input }) => funnels.getProject(ctx.db, ctx.session.userId, input, ctx.publicUrl)),

  create: protectedProcedure
    .input(projectCreateSchema)
    .output(projectSchema)
    .mutation(({ ctx, input }) =>
      idempotent(ctx, "funnels.create", input, {
        create: () => funnels.createProject(ctx.db, ctx.session.userId, input, ctx.publicUrl),
        idOf: (created) => created.id,
        replay: (id) => funnels.getProject(ctx.db, ctx.session.userId, { id }, ctx.publicUrl),
      }),
    ),

  update: protectedProcedure
    .input(projectUpdateSchema)
    .output(projectSchema)
    .mutation(({ ctx, input }) => funnels.updateProject(ctx.db, ctx.session.userId, input, ctx.publicUrl)),

  delete: protectedProcedure
    .input(byIdSchema)
    .output(byIdSchema)
    .mutation(({ ctx, input }) => funnels.deleteProject(ctx.db, ctx.session.userId, input)),

  pages: router({
    create: protectedProcedure
      .input(pageCreateSchema)
      .output(pageSchema)
      .mutation(({ ctx, input }) =>
        idempotent(ctx, "funnels.pages.create", input, {
          create: () => funnels.createPage(ctx.db, ctx.session.userId, input, ctx.publicUrl),
          idOf: (created) => created.id,
          replay: (id) => funnels.getPage(ctx.db, ctx.session.userId, { id }, ctx.publicUrl),
        }),
      ),

    update: protectedProcedure
      .input(pageUpdateSchema)
      .output(pageSchema)
      .mutation(({ ctx, input }) => funnels.updatePage(ctx.db, ctx.session.userId, input, ctx.publicUrl)),

    delete: protectedProcedure
      .input(byIdSchema)
      .output(byIdSchema)
      .mutation(({ ctx, input }) => funnels.deletePage(ctx.db, ctx.session.userId, input)),
  }),
});
