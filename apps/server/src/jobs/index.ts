import type { Config } from "../config";
import type { KeyRing, SqlRunner } from "../db";
import { startAlerts } from "./alerts";
import { startAutoDisable } from "./auto-disable";
import { startRetention } from "./retention";

/**
 * The background jobs of a process. They run where the delivery worker runs (roles `worker` and
 * `all`): they are about deliveries, and an API-only fleet should not multiply them. Each job is
 * idempotent, so several worker processes may run it at once.
 */
export function startJobs(
  sql: SqlRunner,
  config: Pick<Config, "autoDisableAfterMs" | "retentionDays">,
  onError: (error: unknown, job: string) => void,
  /** Alert mails to account owners (jobs/alerts.ts); absent when mail is off. */
  alerts?: { keys: KeyRing; publicUrl: string; everyMs: number; onQueued: () => void },
) {
  const jobs = [
    config.autoDisableAfterMs > 0
      ? startAutoDisable(sql, {
          afterMs: config.autoDisableAfterMs,
          onError: (e) => onError(e, "auto-disable"),
        })
      : null,
    startRetention(sql, { retentionDays: config.retentionDays, onError: (e) => onError(e, "retention") }),
    alerts ? startAlerts(sql, alerts.keys, { ...alerts, onError: (e) => onError(e, "alerts") }) : null,
  ];
  return {
    stop() {
      for (const job of jobs) job?.stop();
    },
  };
}
