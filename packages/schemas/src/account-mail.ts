import { z } from "zod";
import { storableText } from "./common";
import { MAX_EMAIL_LENGTH, PASSWORD_MAX_LENGTH } from "./limits";

/** The kinds of alert mail an account owner can turn on and off (one-click unsubscribe names one). */
export const ALERT_KINDS = ["disabled", "failing", "recovered"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** `account.mailSettings`: whether mail works here, the address's state, and the alert switches. */
export const mailSettingsSchema = z.object({
  /** False on PostgreSQL without SMTP: no reset, verification or alert mail can be sent. */
  mailEnabled: z.boolean(),
  emailVerified: z.boolean(),
  alerts: z.object({ disabled: z.boolean(), failing: z.boolean(), recovered: z.boolean() }),
});
export type MailSettingsView = z.input<typeof mailSettingsSchema>;

/** `account.updateAlerts`: the switches to change. */
export const alertSwitchesSchema = z.strictObject({
  disabled: z.boolean().optional(),
  failing: z.boolean().optional(),
  recovered: z.boolean().optional(),
});
export type AlertSwitches = z.infer<typeof alertSwitchesSchema>;

/** `account.changeEmail`: the password confirms it is the owner; the new address gets a link. */
export const changeEmailSchema = z.strictObject({
  password: z.string().min(1, "must not be empty").max(PASSWORD_MAX_LENGTH),
  newEmail: z.email({ error: "must be a valid email address" }).max(MAX_EMAIL_LENGTH).check(storableText),
});
export type ChangeEmail = z.infer<typeof changeEmailSchema>;
