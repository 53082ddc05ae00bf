import type { SqlRunner } from "../db";
import { announceChanges } from "../live/feed";
import { timeStage } from "../metrics";
import {
  type AcceptedRegistration,
  answerFor,
  type PreparedRegistration,
  type StoredRegistrations,
  storeRegistrations,
} from "./accept";

export type GroupCommitOptions = {
  /** Statements in flight at once; registrations arriving meanwhile wait for the next one. @default 4 */
  maxConcurrent?: number;
  /** Registrations one statement stores at most. @default 64 */
  maxBatch?: number;
};

type Waiting = {
  registration: PreparedRegistration;
  resolve: (accepted: AcceptedRegistration) => void;
  reject: (error: unknown) => void;
};

/**
 * Group commit for the intake. A registration is written at once when a statement slot is free, so a
 * quiet funnel waits for nothing; under load, those arriving while every slot is busy are stored
 * together by the next statement, one commit for all of them. That trades per-statement costs
 * (round trip, planning, commit) for one array row each; see the intake benchmark in the README.
 * Each registration is answered only after the statement holding it has committed.
 */
export function createRegistrationWriter(sql: SqlRunner, options: GroupCommitOptions = {}) {
  const maxConcurrent = options.maxConcurrent ?? 4;
  const maxBatch = options.maxBatch ?? 64;
  const queue: Waiting[] = [];
  let running = 0;

  function pump() {
    while (running < maxConcurrent && queue.length > 0) {
      running += 1;
      void writeBatch(queue.splice(0, maxBatch)).finally(() => {
        running -= 1;
        pump();
      });
    }
  }

  async function writeBatch(batch: Waiting[]) {
    let stored: StoredRegistrations;
    try {
      const started = performance.now();
      stored = await storeRegistrations(
        sql,
        batch.map((w) => w.registration),
      );
      timeStage("sql", started, batch.length);
    } catch (error) {
      if (batch.length === 1) return batch[0]?.reject(error);
      // The statement stored nothing. One bad row (a page deleted a moment ago, say) must not fail
      // the others: each is written alone, and only its own failure reaches its request.
      await Promise.all(batch.map((waiting) => writeBatch([waiting])));
      return;
    }
    announceChanges(
      sql,
      batch.map((waiting) => waiting.registration.userId),
    );
    for (const waiting of batch) {
      answerFor(sql, waiting.registration, stored).then(waiting.resolve, waiting.reject);
    }
  }

  return {
    /** Stores one registration (with the others waiting) and answers once it is committed. */
    write(registration: PreparedRegistration): Promise<AcceptedRegistration> {
      return new Promise((resolve, reject) => {
        queue.push({ registration, resolve, reject });
        pump();
      });
    },
  };
}

export type RegistrationWriter = ReturnType<typeof createRegistrationWriter>;
