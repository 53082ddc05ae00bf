import {
  byIdSchema,
  contactDetailSchema,
  contactEmailSchema,
  contactExportSchema,
  contactListInputSchema,
  contactPageSchema,
  erasureSchema,
} from "@genie/schemas";
import * as contacts from "../services/contacts";
import * as erasure from "../services/erasure";
import { protectedProcedure, router } from "../trpc";

/** The account's contacts; the CSV export is `GET /api/contacts.csv` (routes/contacts-csv.ts). */
export const contactsRouter = router({
  list: protectedProcedure
    .input(contactListInputSchema)
    .output(contactPageSchema)
    .query(({ ctx, input }) => contacts.listContacts(ctx.db, ctx.session.userId, input)),

  /** One contact for its page (no webhook bodies: its deliveries come from deliveries.list). */
  byId: protectedProcedure
    .input(byIdSchema)
    .output(contactDetailSchema)
    .query(({ ctx, input }) => contacts.getContact(ctx.db, ctx.session.userId, input)),

  /** Everything held about one contact, as JSON (access requests). */
  export: protectedProcedure
    .input(byIdSchema)
    .output(contactExportSchema)
    .query(({ ctx, input }) => contacts.exportContact(ctx.db, ctx.session.userId, input)),

  /** Erases one contact and every copy of its data. */
  delete: protectedProcedure
    .input(byIdSchema)
    .output(erasureSchema)
    .mutation(({ ctx, input }) => erasure.eraseContact(ctx.db, ctx.session.userId, input, ctx.worker)),

  /** Erases every contact of the account with this email ("forget me"). */
  deleteByEmail: protectedProcedure
    .input(contactEmailSchema)
    .output(erasureSchema)
    .mutation(({ ctx, input }) =>
      erasure.eraseContactsByEmail(ctx.db, ctx.session.userId, input, ctx.worker),
    ),
});
