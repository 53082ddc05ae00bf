import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { ClaimedDelivery, EndpointPace } from "./contract";
import { type ClaimRequest, type Clock, type Held, SlotScheduler } from "./scheduler";

const NO_PACE: EndpointPace = { ratePerSecond: null, concurrency: null };

function delivery(id: string, endpointId: string, pace: EndpointPace = NO_PACE): ClaimedDelivery {
  return {
    id,
    userId: "u",
    endpointId,
    eventId: `evt_${id}`,
    eventType: "registration.submitted",
    body: "{}",
    attemptCount: 0,
    url: "http://127.0.0.1/",
    secrets: ["whsec_x"],
    retryPreset: "standard",
    customHeaders: {},
    pace,
  };
}

/** A clock that moves only when told, running its timers in order. */
function manualClock() {
  let now = 0;
  let timers: { at: number; run: () => void; id: number }[] = [];
  let nextId = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout(run, ms) {
      const id = nextId++;
      timers.push({ at: now + ms, run, id });
      return id;
    },
    clearTimeout(id) {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  return {
    clock,
    now: () => now,
    /** Moves time forward to `until`, running each timer at its time. */
    advanceTo(until: number) {
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const due = timers[0];
        if (!due || due.at > until) break;
        timers.shift();
        now = Math.max(now, due.at);
        due.run();
      }
      now = until;
    },
  };
}

/**
 * The outbox as a list (what a claim may lease), a scheduler over it, and a record of every start:
 * attempts stay in flight until the test finishes them.
 */
function harness(options: { maxInFlight: number; maxInFlightPerEndpoint: number; due: ClaimedDelivery[] }) {
  const time = manualClock();
  const outbox = [...options.due];
  const claims: ClaimRequest[] = [];
  const starts: { endpointId: string; at: number }[] = [];
  const inFlight: { held: Held; done: () => void }[] = [];
  const givenBack: Held[] = [];
  let peak = 0;
  const peakPerEndpoint = new Map<string, number>();
  const perEndpoint = new Map<string, number>();
  const scheduler = new SlotScheduler({
    maxInFlight: options.maxInFlight,
    maxInFlightPerEndpoint: options.maxInFlightPerEndpoint,
    clock: time.clock,
    store: {
      async claim(request) {
        claims.push(request);
        const taken: Held[] = [];
        for (let i = 0; i < outbox.length && taken.length < request.limit; ) {
          const d = outbox[i] as ClaimedDelivery;
          const wanted = request.ids ? request.ids.includes(d.id) : true;
          if (wanted && !request.excludeEndpointIds.includes(d.endpointId)) {
            outbox.splice(i, 1);
            taken.push({ delivery: d, holder: "w", leasedUntil: Number.POSITIVE_INFINITY });
          } else {
            i++;
          }
        }
        return taken;
      },
    },
    giveBack(held) {
      givenBack.push(...held);
      outbox.push(...held.map((h) => h.delivery));
    },
    start(held, done) {
      const id = held.delivery.endpointId;
      starts.push({ endpointId: id, at: time.now() });
      perEndpoint.set(id, (perEndpoint.get(id) ?? 0) + 1);
      peakPerEndpoint.set(id, Math.max(peakPerEndpoint.get(id) ?? 0, perEndpoint.get(id) ?? 0));
      peak = Math.max(peak, inFlight.length + 1);
      inFlight.push({
        held,
        done: () => {
          perEndpoint.set(id, (perEndpoint.get(id) ?? 1) - 1);
          done();
        },
      });
    },
  });
  return {
    scheduler,
    time,
    outbox,
    claims,
    starts,
    inFlight,
    givenBack,
    peak: () => peak,
    peakOf: (endpointId: string) => peakPerEndpoint.get(endpointId) ?? 0,
    /** Finishes the attempts in flight, oldest first (only those of `endpointId` when given). */
    finish(count = Number.POSITIVE_INFINITY, endpointId?: string) {
      let finished = 0;
      for (let i = 0; i < inFlight.length && finished < count; ) {
        const item = inFlight[i] as (typeof inFlight)[number];
        if (endpointId && item.held.delivery.endpointId !== endpointId) {
          i++;
          continue;
        }
        inFlight.splice(i, 1);
        item.done();
        finished++;
      }
      return finished;
    },
  };
}

const many = (endpointId: string, n: number, pace?: EndpointPace) =>
  Array.from({ length: n }, (_, i) => delivery(`${endpointId}-${i}`, endpointId, pace));

describe("the slot scheduler", () => {
  test("a busy endpoint takes no more than its share: a small one behind a large backlog is not starved", async () => {
    // The outbox hands out the big endpoint's 50 first (they are older).
    const h = harness({
      maxInFlight: 4,
      maxInFlightPerEndpoint: 2,
      due: [...many("big", 50), ...many("small", 6)],
    });
    for (let round = 0; round < 40; round++) {
      await h.scheduler.claim(null);
      h.finish(2);
    }
    const order = h.starts.map((s) => s.endpointId);
    expect(order.filter((id) => id === "small")).toHaveLength(6);
    // Starved, the small endpoint would start after the big one's 50; with its share it is done early.
    expect(order.lastIndexOf("small")).toBeLessThan(16);
    expect(h.peakOf("big")).toBe(2);
  });

  test("held deliveries start endpoint by endpoint in turn", () => {
    const h = harness({ maxInFlight: 1, maxInFlightPerEndpoint: 1, due: [] });
    for (const d of [...many("a", 3), ...many("b", 3), ...many("c", 3)]) {
      h.scheduler.hold({ delivery: d, holder: "w", leasedUntil: Number.POSITIVE_INFINITY });
    }
    h.scheduler.pump();
    while (h.finish(1) > 0);
    expect(h.starts.map((s) => s.endpointId).join("")).toBe("abcabcabc");
  });

  test("never more in flight than the process allows, nor to one endpoint than the worker allows", async () => {
    const h = harness({
      maxInFlight: 8,
      maxInFlightPerEndpoint: 3,
      due: [...many("a", 30), ...many("b", 30), ...many("c", 30)],
    });
    for (let i = 0; i < 40; i++) {
      await h.scheduler.claim(null);
      h.finish(2);
    }
    expect(h.peak()).toBeLessThanOrEqual(8);
    for (const id of ["a", "b", "c"]) expect(h.peakOf(id)).toBeLessThanOrEqual(3);
    expect(h.starts.length).toBeGreaterThan(40);
  });

  test("an endpoint's own concurrency limit holds, and is shared among the live workers", async () => {
    const limited = { ratePerSecond: null, concurrency: 5 };
    const alone = harness({ maxInFlight: 50, maxInFlightPerEndpoint: 32, due: many("crm", 40, limited) });
    for (let i = 0; i < 20; i++) {
      await alone.scheduler.claim(null);
      alone.finish(1);
    }
    expect(alone.peakOf("crm")).toBe(5);

    const shared = harness({ maxInFlight: 50, maxInFlightPerEndpoint: 32, due: many("crm", 40, limited) });
    shared.scheduler.setShare({ workers: 2, rank: 1 });
    for (let i = 0; i < 20; i++) {
      await shared.scheduler.claim(null);
      shared.finish(1);
    }
    // Two workers: 5 is split 3 (the first) and 2 (this one, the second).
    expect(shared.peakOf("crm")).toBe(2);
  });

  test("with more workers than an endpoint's concurrency, the shares add up to it: a worker whose share is none takes none and gives back what it is handed", async () => {
    const limited = { ratePerSecond: null, concurrency: 2 };
    const peaks: number[] = [];
    for (let rank = 0; rank < 3; rank++) {
      const h = harness({ maxInFlight: 50, maxInFlightPerEndpoint: 32, due: many("crm", 10, limited) });
      h.scheduler.setShare({ workers: 3, rank });
      for (let i = 0; i < 10; i++) {
        await h.scheduler.claim(null);
        h.finish(1);
      }
      peaks.push(h.peakOf("crm"));
      if (rank === 2) {
        // Handed one anyway (the intake's hand-off, a claim before it knew the endpoint): given back.
        expect(h.givenBack.length).toBeGreaterThan(0);
        expect(h.starts).toHaveLength(0);
        // Once it knows the endpoint, its claims skip it.
        const last = h.claims.at(-1);
        expect(last === undefined || last.excludeEndpointIds.includes("crm")).toBe(true);
      }
    }
    expect(peaks).toEqual([1, 1, 0]);
  });

  test("a worker whose share of an endpoint drops to none gives back what waits for it", async () => {
    const limited = { ratePerSecond: null, concurrency: 1 };
    const h = harness({ maxInFlight: 50, maxInFlightPerEndpoint: 32, due: many("crm", 5, limited) });
    await h.scheduler.claim(null);
    expect(h.starts).toHaveLength(1);
    const waiting = 5 - h.outbox.length - 1;
    expect(waiting).toBeGreaterThan(0);
    // A second worker joins, before this one in the order: the one slot is its.
    h.scheduler.setShare({ workers: 2, rank: 1 });
    expect(h.givenBack).toHaveLength(waiting);
    h.finish();
    await h.scheduler.claim(null);
    expect(h.starts).toHaveLength(1);
  });

  test("a claim asks for no more than the free slots and skips endpoints already at their limit", async () => {
    const h = harness({
      maxInFlight: 10,
      maxInFlightPerEndpoint: 4,
      due: [...many("a", 20), ...many("b", 20)],
    });
    await h.scheduler.claim(null);
    expect(h.claims[0]?.limit).toBe(10);
    // a's first four started and six wait (more than it may have): the next claim skips it.
    await h.scheduler.claim(null);
    const second = h.claims[1];
    expect(second === undefined || second.excludeEndpointIds.includes("a")).toBe(true);
    for (const claim of h.claims) expect(claim.limit).toBeLessThanOrEqual(10);
  });

  test("a rate limit spaces the starts: never more than the rate in any second, and everything starts", async () => {
    const paced = { ratePerSecond: 4, concurrency: null };
    const h = harness({ maxInFlight: 64, maxInFlightPerEndpoint: 32, due: many("zap", 20, paced) });
    for (let t = 0; t <= 8000; t += 50) {
      h.time.advanceTo(t);
      await h.scheduler.claim(null);
      h.finish();
    }
    expect(h.starts).toHaveLength(20);
    const times = h.starts.map((s) => s.at);
    for (const start of times) {
      expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(4);
    }
  });

  test("a 429 pauses only its endpoint; the others go on", async () => {
    const h = harness({
      maxInFlight: 4,
      maxInFlightPerEndpoint: 2,
      due: [...many("slow", 10), ...many("fine", 10)],
    });
    await h.scheduler.claim(null);
    h.scheduler.slowDown("slow", 2000);
    h.finish();
    const before = h.starts.length;
    for (let t = 0; t < 1900; t += 100) {
      h.time.advanceTo(t);
      await h.scheduler.claim(null);
      h.finish();
    }
    const during = h.starts.slice(before);
    expect(during.some((s) => s.endpointId === "fine")).toBe(true);
    expect(during.some((s) => s.endpointId === "slow")).toBe(false);
    for (let t = 2000; t < 6000; t += 100) {
      h.time.advanceTo(t);
      await h.scheduler.claim(null);
      h.finish();
    }
    expect(h.starts.filter((s) => s.endpointId === "slow")).toHaveLength(10);
  });

  test("for any mix of endpoints, limits and finishing order, no limit is ever exceeded", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxInFlight: fc.integer({ min: 1, max: 16 }),
          perEndpoint: fc.integer({ min: 1, max: 8 }),
          workers: fc.integer({ min: 1, max: 4 }),
          rank: fc.nat(),
          endpoints: fc.array(
            fc.record({
              count: fc.integer({ min: 1, max: 15 }),
              concurrency: fc.option(fc.integer({ min: 1, max: 6 })),
            }),
            { minLength: 1, maxLength: 5 },
          ),
          finishes: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 5, maxLength: 40 }),
        }),
        async ({ maxInFlight, perEndpoint, workers, rank: anyRank, endpoints, finishes }) => {
          const rank = anyRank % workers;
          const due = endpoints.flatMap((e, i) =>
            many(`e${i}`, e.count, { ratePerSecond: null, concurrency: e.concurrency }),
          );
          const h = harness({ maxInFlight, maxInFlightPerEndpoint: perEndpoint, due });
          h.scheduler.setShare({ workers, rank });
          for (const n of finishes) {
            await h.scheduler.claim(null);
            h.finish(n);
          }
          expect(h.peak()).toBeLessThanOrEqual(maxInFlight);
          endpoints.forEach((e, i) => {
            // This worker's part of the endpoint's limit: the parts of all the workers add up to it.
            const own =
              e.concurrency === null
                ? Number.POSITIVE_INFINITY
                : Math.floor(e.concurrency / workers) + (rank < e.concurrency % workers ? 1 : 0);
            expect(h.peakOf(`e${i}`)).toBeLessThanOrEqual(Math.min(perEndpoint, own));
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
