import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PlacementBook } from "../../src/scheduler/book.js";
import { place, type PlacedCopy } from "../../src/scheduler/index.js";
import { placementInputArb } from "./arbitraries.js";

/** Seeded, so a run is repeatable; fast-check prints the failing case and its seed. */
const runs = { numRuns: 600, seed: 20261205 };

describe("incremental placement (the simulator's PlacementBook) against a full pass", () => {
  it("placing only the one component whose copy count changed decides what place() decides for the whole fleet", () => {
    fc.assert(
      fc.property(placementInputArb, fc.nat(), fc.integer({ min: 0, max: 10 }), (input, pick, copies) => {
        fc.pre(input.demands.length > 0);
        // The fleet as the first decision leaves it, kept by the book.
        const book = new PlacementBook(input);
        const first = book.decide(input.demands);
        // Moves (copies leaving a draining instance) need a new book; the simulator builds one then.
        fc.pre(book.reusable);
        const gone = new Set(first.remove.map((r) => r.copy));
        const now: PlacedCopy[] = [...input.current.filter((c) => !gone.has(c)), ...first.add];
        const ordinals = { ...book.ordinals };

        // One component's demand changes; those still short of copies are retried, as a full pass retries them.
        const changed = { ...input.demands[pick % input.demands.length], copies };
        const demands = input.demands.map((d) => (d.component === changed.component ? changed : d));
        const retried = demands.filter((d) => d !== changed && first.unplaced.some((u) => u.component === d.component));
        const incremental = book.decide([changed, ...retried]);

        const full = place({ instances: input.instances, demands, current: now, nextOrdinals: ordinals });
        assert.deepEqual(incremental.add, full.add);
        assert.deepEqual(incremental.remove, full.remove);
        assert.deepEqual(incremental.unplaced, full.unplaced);
        assert.deepEqual({ ...book.ordinals }, { ...ordinals, ...full.nextOrdinals });
      }),
      runs,
    );
  });

  it("a second change decides from where the first left the fleet", () => {
    fc.assert(
      fc.property(placementInputArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 10 })), { minLength: 2, maxLength: 5 }), (input, changes) => {
        fc.pre(input.demands.length > 0 && input.instances.every((i) => i.schedulable));
        const book = new PlacementBook(input);
        let demands = input.demands;
        let last = book.decide(demands);
        let now: PlacedCopy[] = input.current;
        for (const [pick, copies] of changes) {
          fc.pre(book.reusable);
          const gone = new Set(last.remove.map((r) => r.copy));
          now = [...now.filter((c) => !gone.has(c)), ...last.add];
          const ordinals = { ...book.ordinals };
          const changed = { ...demands[pick % demands.length], copies };
          demands = demands.map((d) => (d.component === changed.component ? changed : d));
          const retried = demands.filter((d) => d !== changed && last.unplaced.some((u) => u.component === d.component));
          last = book.decide([changed, ...retried]);
          const full = place({ instances: input.instances, demands, current: now, nextOrdinals: ordinals });
          assert.deepEqual({ add: last.add, remove: last.remove, unplaced: last.unplaced }, { add: full.add, remove: full.remove, unplaced: full.unplaced });
        }
      }),
      runs,
    );
  });
});
