import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { addressRefusal, assertUrlAllowed, isSsrfBlockedError } from "@genie/webhook-core";
import { AppError } from "../errors";

/** A save must not wait on a slow resolver; the connect-time guard checks again anyway. */
const LOOKUP_TIMEOUT_MS = 2000;

/**
 * The SSRF check at save time, so a refused URL is explained when it is entered rather than failing
 * every delivery later: http(s) only, no credentials, no internal literal address, no localhost name,
 * and a host name whose current addresses include an internal one is refused too. A name that does
 * not resolve right now is accepted (its DNS may come later); every attempt is checked again when it
 * connects, which is what stops DNS rebinding.
 */
export async function checkReceiverUrl(url: string, allow: readonly string[]): Promise<void> {
  let host: string;
  try {
    host = assertUrlAllowed(url, { allow }).hostname.replace(/^\[(.*)\]$/, "$1");
  } catch (error) {
    if (isSsrfBlockedError(error)) throw refused(error.message, error);
    throw error;
  }
  if (isIP(host) || allow.some((entry) => entry.toLowerCase() === host.toLowerCase())) return;
  const addresses = await lookupWithTimeout(host);
  for (const { address } of addresses) {
    const reason = addressRefusal(address, { allow });
    if (reason) throw refused(`refused ${host}: it resolves to ${reason}`);
  }
}

function refused(reason: string, cause?: unknown): AppError {
  return new AppError("BAD_REQUEST", {
    reason: "url_refused",
    userMessage: `This URL cannot receive webhooks (${reason}). Use a public http(s) address.`,
    cause,
  });
}

async function lookupWithTimeout(host: string): Promise<{ address: string }[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => {
    timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(host, { all: true }).catch(() => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
