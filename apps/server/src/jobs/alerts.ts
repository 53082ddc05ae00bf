import type { AlertKind } from "@genie/schemas";
import type { KeyRing, SqlRunner } from "../db";
import { dashboardLinks } from "../mail/links";
import {
  type AlertLinks,
  endpointDisabledMail,
  endpointFailingMail,
  endpointRecoveredMail,
} from "../mail/messages";
import { type OutgoingMail, outboxRow } from "../mail/outbox";
import { unsubscribeToken } from "../mail/unsubscribe";

/** While an endpoint keeps failing, at most one "failing" mail per this long. */
export const FAILING_MAIL_EVERY_MS = 6 * 3_600_000;

export type AlertsOptions = {
  /** The origin mail links point to (GENIE_PUBLIC_URL, or where this server listens). */
  publicUrl: string;
  /** The clock (tests move it to cross the 6-hour window). @default new Date() */
  now?: Date;
  /** Told after mail was written, so this process's mailer sends it at once. */
  onQueued?: () => void;
};

type EndpointRow = {
  id: string;
  user_id: string;
  name: string;
  url: string;
  email: string;
  wants: boolean;
};

/**
 * One pass of the alerts job: mails the owner when an endpoint was disabled, started failing (its
 * first failed attempt since it last worked; then at most one mail per FAILING_MAIL_EVERY_MS while
 * it keeps failing, with the count and the last error), or recovered. It reads the attempt logs
 * after the fact, so the delivery path does no work for it.
 *
 * What was mailed is kept per endpoint in `endpoint_alert_state`. Each mail is written by the same
 * statement that moves that state on, compared-and-set on what was read: a crash leaves both or
 * neither, and several worker processes running the job send each alert once. An owner who turned a
 * kind off gets no mail of that kind, and the state moves on all the same.
 */
export async function runAlerts(sql: SqlRunner, keys: KeyRing, options: AlertsOptions) {
  const now = options.now ?? new Date();
  const at = now.toISOString();
  const links = dashboardLinks(options.publicUrl);
  const sent = { disabled: 0, failing: 0, recovered: 0 };

  // Endpoints the job has not seen start from their creation: nothing before that is news.
  await sql.query(
    `INSERT INTO endpoint_alert_state (endpoint_id, checked_until)
     SELECT e.id, e.created_at FROM webhook_endpoints e
     WHERE NOT EXISTS (SELECT 1 FROM endpoint_alert_state s WHERE s.endpoint_id = e.id)
     ON CONFLICT DO NOTHING`,
  );

  const alertLinks = (endpoint: EndpointRow, kind: AlertKind): AlertLinks => ({
    endpoint: links.endpoint(endpoint.id),
    log: links.endpointLog(endpoint.id),
    unsubscribe: links.unsubscribe(unsubscribeToken(keys, endpoint.user_id, kind)),
  });
  const mailFor = (
    endpoint: EndpointRow,
    kind: AlertKind,
    content: Omit<OutgoingMail, "kind" | "to" | "sensitive">,
  ) =>
    outboxRow(keys, {
      kind: `alert_${kind}`,
      userId: endpoint.user_id,
      to: endpoint.email,
      // The unsubscribe link is a capability: sealed at rest like a reset link.
      sensitive: true,
      ...content,
    });

  const disabled = await sql.query<EndpointRow & { reason: string | null; disabled_at: string }>(
    `SELECT e.id::text, e.user_id::text, e.name, e.url, u.email, u.alert_disabled AS wants,
            e.disabled_reason AS reason, ${iso("e.disabled_at")} AS disabled_at
     FROM webhook_endpoints e
     JOIN endpoint_alert_state s ON s.endpoint_id = e.id
     JOIN users u ON u.id = e.user_id
     WHERE NOT e.enabled AND e.disabled_at IS NOT NULL
       AND (s.disabled_mailed_for IS NULL OR s.disabled_mailed_for < e.disabled_at)`,
  );
  for (const endpoint of disabled) {
    const mail = mailFor(
      endpoint,
      "disabled",
      endpointDisabledMail(
        { label: labelOf(endpoint), reason: endpoint.reason ?? "it was turned off." },
        alertLinks(endpoint, "disabled"),
      ),
    );
    const written = await sql.query(
      `WITH moved AS (
         UPDATE endpoint_alert_state SET disabled_mailed_for = $6::timestamptz, failing_since = NULL,
           last_failing_mail_at = NULL, checked_until = greatest(checked_until, $7::timestamptz)
         WHERE endpoint_id = $8::uuid
           AND (disabled_mailed_for IS NULL OR disabled_mailed_for < $6::timestamptz)
         RETURNING 1)
       INSERT INTO mail_outbox (id, user_id, kind, recipient, message)
       SELECT $1::uuid, $2::uuid, $3, $4, $5 FROM moved WHERE $9::boolean
       RETURNING 1`,
      [...mail, endpoint.disabled_at, at, endpoint.id, endpoint.wants],
    );
    sent.disabled += written.length;
  }

  const watched = await sql.query<
    EndpointRow & {
      wants_recovered: boolean;
      failing_since: string | null;
      last_failing_mail_at: string | null;
      checked_until: string;
      last_success: boolean | null;
      last_is_new: boolean | null;
      last_error: string | null;
      last_status: number | null;
      first_failure_at: string | null;
    }
  >(
    `SELECT e.id::text, e.user_id::text, e.name, e.url, u.email, u.alert_failing AS wants,
            u.alert_recovered AS wants_recovered,
            ${iso("s.failing_since")} AS failing_since, ${iso("s.last_failing_mail_at")} AS last_failing_mail_at,
            ${iso("s.checked_until")} AS checked_until,
            last.success AS last_success, last.error_message AS last_error, last.status_code AS last_status,
            last.created_at > s.checked_until AS last_is_new,
            (SELECT ${iso("min(f.created_at)")} FROM webhook_logs f
             WHERE f.endpoint_id = e.id AND f.delivery_id IS NOT NULL AND NOT f.success
               AND f.created_at > s.checked_until AND f.created_at <= $1::timestamptz) AS first_failure_at
     FROM webhook_endpoints e
     JOIN endpoint_alert_state s ON s.endpoint_id = e.id
     JOIN users u ON u.id = e.user_id
     LEFT JOIN LATERAL (
       SELECT l.success, l.error_message, l.status_code, l.created_at FROM webhook_logs l
       WHERE l.endpoint_id = e.id AND l.delivery_id IS NOT NULL AND l.created_at <= $1::timestamptz
       ORDER BY l.created_at DESC LIMIT 1) last ON true
     WHERE e.enabled
       AND (EXISTS (SELECT 1 FROM webhook_logs l WHERE l.endpoint_id = e.id AND l.delivery_id IS NOT NULL
                    AND l.created_at > s.checked_until AND l.created_at <= $1::timestamptz)
            OR s.failing_since IS NOT NULL)`,
    [at],
  );
  for (const endpoint of watched) {
    // The latest attempt since the last pass: what changed (null: nothing new).
    const latestNew = endpoint.last_is_new ? endpoint.last_success : null;
    const lastError =
      endpoint.last_error ??
      (endpoint.last_status ? `the receiver answered ${endpoint.last_status}` : "unknown");
    const failingMail = (count: number, since: string) =>
      mailFor(
        endpoint,
        "failing",
        endpointFailingMail(
          { label: labelOf(endpoint) },
          { count, since: readable(since), lastError },
          alertLinks(endpoint, "failing"),
        ),
      );
    let mail: ReturnType<typeof mailFor> | null = null;
    let wants = false;
    let failingSince = endpoint.failing_since;
    let lastMailAt = endpoint.last_failing_mail_at;
    if (endpoint.failing_since === null) {
      // Healthy until now: the first failure is news, a success is not.
      if (latestNew !== false || !endpoint.first_failure_at) {
        await moveChecked(sql, endpoint, at);
        continue;
      }
      const count = await failuresBetween(sql, endpoint.id, endpoint.checked_until, at);
      failingSince = endpoint.first_failure_at;
      lastMailAt = at;
      wants = endpoint.wants;
      mail = failingMail(count, failingSince);
    } else if (latestNew === true) {
      failingSince = null;
      lastMailAt = null;
      wants = endpoint.wants_recovered;
      mail = mailFor(
        endpoint,
        "recovered",
        endpointRecoveredMail({ label: labelOf(endpoint) }, alertLinks(endpoint, "recovered")),
      );
    } else {
      const since = endpoint.last_failing_mail_at ?? endpoint.failing_since;
      const due = now.getTime() - Date.parse(since) >= FAILING_MAIL_EVERY_MS;
      const count = due ? await failuresBetween(sql, endpoint.id, since, at) : 0;
      if (!due || count === 0) {
        await moveChecked(sql, endpoint, at);
        continue;
      }
      lastMailAt = at;
      wants = endpoint.wants;
      mail = failingMail(count, since);
    }
    const written = await sql.query<{ kind: string }>(
      `WITH moved AS (
         UPDATE endpoint_alert_state SET failing_since = $6::timestamptz, last_failing_mail_at = $7::timestamptz,
           checked_until = $8::timestamptz
         WHERE endpoint_id = $9::uuid AND checked_until = $10::timestamptz
         RETURNING 1)
       INSERT INTO mail_outbox (id, user_id, kind, recipient, message)
       SELECT $1::uuid, $2::uuid, $3, $4, $5 FROM moved WHERE $11::boolean
       RETURNING kind`,
      [...mail, failingSince, lastMailAt, at, endpoint.id, endpoint.checked_until, wants],
    );
    for (const row of written) sent[row.kind === "alert_recovered" ? "recovered" : "failing"] += 1;
  }
  if (sent.disabled + sent.failing + sent.recovered > 0) options.onQueued?.();
  return sent;
}

/** A timestamp column as ISO 8601 UTC with milliseconds (what the columns hold), for JS and back. */
function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Nothing to mail: the logs up to `at` were looked at. */
async function moveChecked(sql: SqlRunner, endpoint: { id: string; checked_until: string }, at: string) {
  await sql.query(
    `UPDATE endpoint_alert_state SET checked_until = $2::timestamptz
     WHERE endpoint_id = $1::uuid AND checked_until = $3::timestamptz`,
    [endpoint.id, at, endpoint.checked_until],
  );
}

async function failuresBetween(sql: SqlRunner, endpointId: string, after: string, upTo: string) {
  const [row] = await sql.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM webhook_logs
     WHERE endpoint_id = $1::uuid AND delivery_id IS NOT NULL AND NOT success
       AND created_at > $2::timestamptz AND created_at <= $3::timestamptz`,
    [endpointId, after, upTo],
  );
  return row?.count ?? 0;
}

/** The endpoint's name, or its host when it has none (never the full URL: it may carry a token). */
function labelOf(endpoint: { name: string; url: string }): string {
  // One line whatever was stored: the label goes into the subject.
  const name = endpoint.name.replace(/\s+/g, " ").trim();
  if (name) return `"${name}"`;
  try {
    return new URL(endpoint.url).host;
  } catch {
    return "an endpoint";
  }
}

function readable(timestamp: string): string {
  return `${new Date(timestamp).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Runs a pass every `everyMs` (the first soon after start); `stop()` ends it. A failed pass is reported. */
export function startAlerts(
  sql: SqlRunner,
  keys: KeyRing,
  options: Omit<AlertsOptions, "now"> & { everyMs?: number; onError: (error: unknown) => void },
) {
  let busy = false;
  const pass = () => {
    if (busy) return;
    busy = true;
    void runAlerts(sql, keys, options)
      .catch(options.onError)
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(pass, options.everyMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
