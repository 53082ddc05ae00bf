import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The stages a registration and a delivery go through, timed so that a slower benchmark names the
 * stage that slowed down (`genie_stage_seconds_total / genie_stage_items_total` is the time per item).
 * Intake: parse (JSON), validate (zod), build (ids and webhook body), sql (the group-commit statement,
 * its time shared by the registrations it stored), handoff (handing new deliveries to this process's
 * worker). Delivery: claim, decrypt (endpoint secrets), sign, send, record (the batched log write).
 */
export const STAGES = [
  "parse",
  "validate",
  "build",
  "sql",
  "handoff",
  "claim",
  "decrypt",
  "sign",
  "send",
  "record",
] as const;
export type Stage = (typeof STAGES)[number];

/**
 * One process's metrics, in its own registry (tests start several servers in one process). Labels
 * never carry an account's data: only bounded sets of our own words (outcomes, reasons, stages).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "genie_" });
  new Counter({
    name: "genie_stage_seconds_total",
    help: "Time spent in each stage of the intake and of delivery attempts (the whole process).",
    labelNames: ["stage"],
    registers: [registry],
    collect() {
      this.reset();
      STAGES.forEach((stage, i) => {
        this.inc({ stage }, stageSeconds[i] ?? 0);
      });
    },
  });
  new Counter({
    name: "genie_stage_items_total",
    help: "Registrations or deliveries that went through each stage (a batch counts its items).",
    labelNames: ["stage"],
    registers: [registry],
    collect() {
      this.reset();
      STAGES.forEach((stage, i) => {
        this.inc({ stage }, stageItems[i] ?? 0);
      });
    },
  });

  const metrics = {
    registry,
    registrationsAccepted: new Counter({
      name: "genie_registrations_accepted_total",
      help: "Registrations stored (201), replays of an Idempotency-Key included.",
      registers: [registry],
    }),
    registrationsRefused: new Counter({
      name: "genie_registrations_refused_total",
      help: "Registrations refused, by the reason the answer names (validation_failed, project_not_found, …).",
      labelNames: ["reason"],
      registers: [registry],
    }),
    attempts: new Counter({
      name: "genie_attempts_total",
      help: "Delivery attempts recorded, by outcome: succeeded, retrying, failed (no retry left or not retryable), aborted.",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: "genie_attempt_duration_seconds",
      help: "How long an attempt's request took, until the receiver's answer (or the error).",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    attemptsInFlight: new Gauge({
      name: "genie_attempts_in_flight",
      help: "Attempts this process has in flight now.",
      registers: [registry],
    }),
    claimBatch: new Histogram({
      name: "genie_claim_batch_size",
      help: "Deliveries one claim query leased (claims that found nothing count as 0).",
      buckets: [0, 1, 4, 16, 64, 128, 256, 512],
      registers: [registry],
    }),
    wakeUps: new Counter({
      name: "genie_wake_ups_total",
      help: "Wake-ups of the worker, by source: notify (the database), timer (a retry due soon), redeliver.",
      labelNames: ["source"],
      registers: [registry],
    }),
    recordBatchSeconds: new Histogram({
      name: "genie_record_batch_seconds",
      help: "Latency of one batched write of attempt outcomes (log rows and delivery states).",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

const STAGE_INDEX = new Map<Stage, number>(STAGES.map((stage, i) => [stage, i]));
/** Totals of the whole process: kept outside any registry so the hot paths need no handle to one. */
const stageSeconds = new Float64Array(STAGES.length);
const stageItems = new Float64Array(STAGES.length);

/**
 * Adds the time since `startedAt` (a `performance.now()` reading), spent on `items` items, to a
 * stage. Costs two array writes: cheap enough for every registration and every attempt.
 */
export function timeStage(stage: Stage, startedAt: number, items = 1): void {
  const i = STAGE_INDEX.get(stage) as number;
  stageSeconds[i] = (stageSeconds[i] ?? 0) + (performance.now() - startedAt) / 1000;
  stageItems[i] = (stageItems[i] ?? 0) + items;
}

/** Seconds since `startedAt` (a `performance.now()` reading). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
