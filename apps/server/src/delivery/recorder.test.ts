import { describe, expect, test } from "vitest";
import type { SqlRunner } from "../db";
import type { AttemptRecord } from "./contract";
import { OutcomeRecorder } from "./recorder";

function record(deliveryId: string): AttemptRecord {
  return {
    deliveryId,
    userId: "00000000-0000-4000-8000-000000000001",
    endpointId: "00000000-0000-4000-8000-000000000002",
    eventType: "registration.submitted",
    url: "http://127.0.0.1/",
    attemptNumber: 1,
    success: true,
    statusCode: 200,
    errorKind: null,
    errorMessage: null,
    durationMs: 1,
    requestHeaders: {},
    responseExcerpt: null,
    nextStatus: "succeeded",
    retryDelayMs: null,
    retryAfterMs: null,
    disableEndpointReason: null,
  };
}

/** Resolves after `ticks` microtask turns, no macrotask in between. */
async function microtasks(ticks: number) {
  for (let i = 0; i < ticks; i++) await Promise.resolve();
}

// The race is between microtasks of one turn of the event loop: against a real database each write
// ends in an I/O callback of its own, so where an outcome lands among those microtasks is left to
// chance. A runner that answers at once lets the test place the second outcome at every point of
// the first write's ending in turn, so the one point that lost it is sure to be among them.
describe("the outcome recorder", () => {
  test("an outcome added at any moment while a write ends is written without waiting for another", async () => {
    for (let ticks = 0; ticks < 40; ticks++) {
      const written: string[] = [];
      const sql: SqlRunner = {
        async query<Row>(_text: string, params?: unknown[]): Promise<Row[]> {
          const records = JSON.parse(String(params?.[0])) as { deliveryId: string }[];
          written.push(...records.map((r) => r.deliveryId));
          return [];
        },
        async exec() {},
      };
      const recorder = new OutcomeRecorder({
        sql,
        leaseRule: {},
        batchSize: 100,
        onError: (error) => {
          throw error;
        },
      });
      recorder.add(record("first"), "worker-a");
      await microtasks(ticks);
      recorder.add(record("second"), "worker-a");
      // No third outcome comes to flush it: both must be written by the time writing is idle.
      await microtasks(200);
      expect({ ticks, written }).toEqual({ ticks, written: ["first", "second"] });
    }
  });
});
