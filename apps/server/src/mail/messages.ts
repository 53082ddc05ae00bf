import type { MailMessage } from "./transport";

/**
 * The words of every mail Genie sends: plain text first (what most clients show in previews), and the
 * same in simple HTML. Every value from outside (endpoint names, URLs, error text) is escaped in HTML.
 * No mail carries contact data: alerts name the endpoint, never a lead.
 */
type Mail = Omit<MailMessage, "to">;

export function passwordResetMail(link: string): Mail {
  return compose(
    "Reset your Genie password",
    [
      "Someone (hopefully you) asked to reset the password of your Genie account.",
      "Choose a new password with this link. It works once, for one hour:",
      { link },
      "Every other session of the account is signed out when the password changes.",
      "If you did not ask for this, ignore this mail: your password stays as it is.",
    ],
    link,
  );
}

export function verifyEmailMail(link: string): Mail {
  return compose(
    "Confirm your email address for Genie",
    [
      "Confirm that this address is yours with this link (it works for one hour):",
      { link },
      "If you did not create a Genie account, ignore this mail.",
    ],
    link,
  );
}

export function changeEmailMail(link: string): Mail {
  return compose(
    "Confirm your new email address for Genie",
    [
      "Someone asked to use this address for their Genie account. If it was you, confirm with this link (it works for one hour):",
      { link },
      "Until you do, the account keeps its old address. If it was not you, ignore this mail.",
    ],
    link,
  );
}

export function signUpExistingMail(links: { signIn: string; forgotPassword: string }): Mail {
  return compose("Someone tried to create a Genie account with your address", [
    "Someone tried to create a new Genie account with this email address, which already has one. No new account was created.",
    "If it was you, sign in instead:",
    { link: links.signIn },
    "Forgot your password? Reset it here:",
    { link: links.forgotPassword },
    "If it was not you, you need not do anything.",
  ]);
}

export type AlertLinks = { endpoint: string; log: string; unsubscribe: string };

export function endpointDisabledMail(endpoint: { label: string; reason: string }, links: AlertLinks): Mail {
  return alertMail(
    `Genie stopped delivering to ${endpoint.label}`,
    [
      `The endpoint ${endpoint.label} was disabled, so its leads are no longer sent to it.`,
      `Why: ${endpoint.reason}`,
      "Leads that arrive meanwhile are kept. Fix the receiver, then re-enable the endpoint on its page:",
      { link: links.endpoint },
      "What it answered, attempt by attempt:",
      { link: links.log },
    ],
    links,
  );
}

export function endpointFailingMail(
  endpoint: { label: string },
  failures: { count: number; since: string; lastError: string },
  links: AlertLinks,
): Mail {
  const what = failures.count === 1 ? "1 delivery attempt" : `${failures.count} delivery attempts`;
  return alertMail(
    `Genie cannot deliver to ${endpoint.label}`,
    [
      `${what} to ${endpoint.label} failed since ${failures.since}.`,
      `Last error: ${failures.lastError}`,
      "Failed deliveries are retried on the endpoint's schedule and can be redelivered from the log:",
      { link: links.log },
      "The endpoint:",
      { link: links.endpoint },
      "While it keeps failing you get at most one such mail every 6 hours.",
    ],
    links,
  );
}

export function endpointRecoveredMail(endpoint: { label: string }, links: AlertLinks): Mail {
  return alertMail(
    `Genie delivers to ${endpoint.label} again`,
    [
      `The endpoint ${endpoint.label} accepted a delivery again after failing.`,
      "Deliveries that failed meanwhile can be redelivered from the log:",
      { link: links.log },
    ],
    links,
  );
}

type Part = string | { link: string };

/** An alert: its words, then how to stop this kind (RFC 8058 one-click unsubscribe in the headers too). */
function alertMail(subject: string, parts: Part[], links: AlertLinks): Mail {
  const mail = compose(subject, [
    ...parts,
    "You get this mail because alerts of this kind are on for your Genie account. Turn them off:",
    { link: links.unsubscribe },
  ]);
  return {
    ...mail,
    headers: {
      "List-Unsubscribe": `<${links.unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}

function compose(subject: string, parts: Part[], link?: string): Mail {
  const text = `${parts.map((part) => (typeof part === "string" ? part : part.link)).join("\n\n")}\n\n-- \nGenie\n`;
  const body = parts
    .map((part) =>
      typeof part === "string"
        ? `<p>${escapeHtml(part)}</p>`
        : `<p><a href="${escapeHtml(part.link)}">${escapeHtml(part.link)}</a></p>`,
    )
    .join("\n");
  const html = `<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n${body}\n<p style="color: #666">Genie</p>\n</body></html>\n`;
  return { subject, text, html, ...(link && { link }) };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
