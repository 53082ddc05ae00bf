import type { AlertKind, AlertSwitches, ChangeEmail, MailSettingsView } from "@genie/schemas";
import { verifyPassword } from "better-auth/crypto";
import type { Database } from "../db";
import { AppError, notFound } from "../errors";

const COLUMN = { disabled: "alertDisabled", failing: "alertFailing", recovered: "alertRecovered" } as const;

/** account.mailSettings: whether mail works here, whether the address is verified, the alert switches. */
export async function getMailSettings(
  db: Database,
  userId: string,
  mailEnabled: boolean,
): Promise<MailSettingsView> {
  const user = await db.prisma.user.findUnique({
    where: { id: userId },
    select: { emailVerified: true, alertDisabled: true, alertFailing: true, alertRecovered: true },
  });
  if (!user) throw notFound("Account");
  return {
    mailEnabled,
    emailVerified: user.emailVerified,
    alerts: { disabled: user.alertDisabled, failing: user.alertFailing, recovered: user.alertRecovered },
  };
}

/** account.updateAlerts: turns alert kinds on or off; answers the settings as they now are. */
export async function updateAlerts(
  db: Database,
  userId: string,
  switches: AlertSwitches,
  mailEnabled: boolean,
) {
  const data: Partial<Record<(typeof COLUMN)[AlertKind], boolean>> = {};
  for (const kind of Object.keys(COLUMN) as AlertKind[]) {
    const value = switches[kind];
    if (value !== undefined) data[COLUMN[kind]] = value;
  }
  await db.prisma.user.update({ where: { id: userId }, data, select: { id: true } });
  return getMailSettings(db, userId, mailEnabled);
}

/** The one-click unsubscribe (routes/unsubscribe.ts): one kind off, for an account named by a signed token. */
export async function turnAlertOff(db: Database, userId: string, kind: AlertKind): Promise<boolean> {
  const { count } = await db.prisma.user.updateMany({
    where: { id: userId },
    data: { [COLUMN[kind]]: false },
  });
  return count > 0;
}

/**
 * account.changeEmail: the password proves it is the owner at the keyboard; then better-auth's
 * change-email mails a link to the new address, and the account keeps its address until it is
 * clicked. The answer is the same whether another account has the new address or not.
 */
export async function changeEmail(
  db: Database,
  userId: string,
  input: ChangeEmail,
  mail: { enabled: boolean; startChange?: ((newEmail: string) => Promise<void>) | undefined },
) {
  if (!mail.enabled || !mail.startChange) {
    throw new AppError("PRECONDITION_FAILED", {
      reason: "mail_not_configured",
      userMessage: "Mail is not configured on this server, so the address cannot be confirmed.",
    });
  }
  const credential = await db.prisma.account.findFirst({
    where: { userId, providerId: "credential" },
    select: { password: true },
  });
  if (
    !credential?.password ||
    !(await verifyPassword({ hash: credential.password, password: input.password }))
  ) {
    throw new AppError("BAD_REQUEST", {
      reason: "wrong_password",
      userMessage: "That password is not right; the address was not changed.",
      fieldErrors: { password: ["is not right"] },
    });
  }
  const current = await db.prisma.user.findUnique({ where: { id: userId }, select: { email: true } });
  if (current?.email.toLowerCase() === input.newEmail.toLowerCase()) {
    throw new AppError("BAD_REQUEST", {
      reason: "same_email",
      userMessage: "That is already the account's address.",
      fieldErrors: { newEmail: ["is already the account's address"] },
    });
  }
  await mail.startChange(input.newEmail.toLowerCase());
  return { sent: true as const };
}
