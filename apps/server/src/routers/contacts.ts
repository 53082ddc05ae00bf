import { contactListInputSchema, contactPageSchema } from "@genie/schemas";
import * as contacts from "../services/contacts";
import { protectedProcedure, router } from "../trpc";

/** The account's contacts; the CSV export is `GET /api/contacts.csv` (routes/contacts-csv.ts). */
export const contactsRouter = router({
  list: protectedProcedure
    .input(contactListInputSchema)
    .output(contactPageSchema)
    .query(({ ctx, input }) => contacts.listContacts(ctx.db, ctx.session.userId, input)),
});
