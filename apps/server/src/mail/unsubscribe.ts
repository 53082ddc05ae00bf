import { ALERT_KINDS, type AlertKind } from "@genie/schemas";
import type { KeyRing } from "../db";

const PURPOSE = "unsubscribe";

/**
 * The token of a one-click unsubscribe link: `<account id>.<alert kind>.<signature>`. Signed (not
 * stored), so the POST a mail client sends without any cookie is authorised by the link alone, and
 * any process holding the encryption key can check it.
 */
export function unsubscribeToken(keys: KeyRing, userId: string, kind: AlertKind): string {
  return `${userId}.${kind}.${keys.sign(PURPOSE, `${userId}.${kind}`)}`;
}

/** The account and kind a token names, or null when it is not one Genie signed. */
export function readUnsubscribeToken(
  keys: KeyRing,
  token: string,
): { userId: string; kind: AlertKind } | null {
  const [userId, kind, signature, ...rest] = token.split(".");
  if (!userId || !kind || !signature || rest.length > 0) return null;
  if (!(ALERT_KINDS as readonly string[]).includes(kind)) return null;
  if (!/^[0-9a-f-]{36}$/.test(userId)) return null;
  if (!keys.verify(PURPOSE, `${userId}.${kind}`, signature)) return null;
  return { userId, kind: kind as AlertKind };
}
