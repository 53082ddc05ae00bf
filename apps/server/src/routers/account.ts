import {
  accountDeleteSchema,
  accountSchema,
  alertSwitchesSchema,
  changeEmailSchema,
  mailSettingsSchema,
} from "@genie/schemas";
import { z } from "zod";
import * as account from "../services/account";
import * as accountMail from "../services/account-mail";
import { publicProcedure, router, sessionProcedure } from "../trpc";

export const accountRouter = router({
  /** Who is signed in. Sign-up, sign-in and sign-out themselves are better-auth's, at /api/auth/*. */
  me: sessionProcedure
    .output(accountSchema)
    .query(({ ctx }) => account.getAccount(ctx.db, ctx.session.userId)),

  /** Removes the account and everything it owns, after the password is confirmed. */
  delete: sessionProcedure
    .input(accountDeleteSchema)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => account.deleteAccount(ctx.db, ctx.session.userId, input)),

  /** Whether this server can send mail ("Forgot password?" says so when it cannot). */
  mailAvailable: publicProcedure
    .output(z.object({ mailEnabled: z.boolean(), writtenToFiles: z.boolean() }))
    .query(({ ctx }) => ({ mailEnabled: ctx.mailMode !== "off", writtenToFiles: ctx.mailMode === "files" })),

  /** Whether mail works, whether the address is verified, and which alert mails the owner gets. */
  mailSettings: sessionProcedure
    .output(mailSettingsSchema)
    .query(({ ctx }) => accountMail.getMailSettings(ctx.db, ctx.session.userId, ctx.mailMode !== "off")),

  /** Turns alert kinds (disabled, failing, recovered) on or off. */
  updateAlerts: sessionProcedure
    .input(alertSwitchesSchema)
    .output(mailSettingsSchema)
    .mutation(({ ctx, input }) =>
      accountMail.updateAlerts(ctx.db, ctx.session.userId, input, ctx.mailMode !== "off"),
    ),

  /** Starts a change of address: checks the password, then mails a link to the new address. */
  changeEmail: sessionProcedure
    .input(changeEmailSchema)
    .output(z.object({ sent: z.literal(true) }))
    .mutation(({ ctx, input }) =>
      accountMail.changeEmail(ctx.db, ctx.session.userId, input, {
        enabled: ctx.mailMode !== "off",
        startChange: ctx.changeEmail,
      }),
    ),
});
