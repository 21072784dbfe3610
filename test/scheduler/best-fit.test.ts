import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Resources } from "../../src/domain/compute.js";
import { fits } from "../../src/domain/fit.js";
import { Fleet } from "../../src/scheduler/fleet.js";
import { leftover } from "../../src/scheduler/score.js";
import type { SchedulerInstance } from "../../src/scheduler/index.js";
import { spread } from "../../src/scheduler/strategies/spread.js";

/** The reference the index must match: score every instance, lowest leftover, then the older one. */
function bruteForce(fleet: Fleet, needs: Resources, skip: (i: number) => boolean): number {
  let best = -1;
  let bestScore = Infinity;
  fleet.instances.forEach((inst, i) => {
    if (!inst.schedulable || skip(i) || !fits(fleet.free[i], needs)) return;
    const score = leftover(fleet.free[i], needs, inst.capacity);
    if (score < bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

/** SPREAD's reference: fewest copies of the component, then lowest leftover, then the older one. */
function spreadBruteForce(fleet: Fleet, needs: Resources, counts: Map<number, number>): number {
  let best = -1;
  let key = [Infinity, Infinity];
  fleet.instances.forEach((inst, i) => {
    if (!inst.schedulable || !fits(fleet.free[i], needs)) return;
    const k = [counts.get(i) ?? 0, leftover(fleet.free[i], needs, inst.capacity)];
    if (k[0] < key[0] || (k[0] === key[0] && k[1] < key[1])) [best, key] = [i, k];
  });
  return best;
}

function fleetOf(raw: { shape: number; schedulable: boolean }[]): Fleet {
  const instances: SchedulerInstance[] = raw.map((r, k) => ({
    id: `i-${k}`,
    capacity: shapes[r.shape],
    deviceIndices: Array.from({ length: shapes[r.shape].accelerators }, (_, d) => d),
    schedulable: r.schedulable || k === 0,
    order: k,
  }));
  const fleet = new Fleet(instances);
  fleet.buildIndex();
  return fleet;
}

const shapes: Resources[] = [
  { accelerators: 8, cpuMillis: 96_000, memoryMiB: 1_048_576 },
  { accelerators: 4, cpuMillis: 48_000, memoryMiB: 196_608 },
  { accelerators: 0, cpuMillis: 16_000, memoryMiB: 65_536 },
];

const needsArb = fc.record({
  accelerators: fc.integer({ min: 0, max: 4 }),
  cpuMillis: fc.integer({ min: 0, max: 24 }).map((n) => n * 1000),
  memoryMiB: fc.integer({ min: 0, max: 64 }).map((n) => n * 4096),
});

describe("best-fit index", () => {
  it("picks what scoring every instance picks, through a run of placements and releases", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ shape: fc.nat({ max: 2 }), schedulable: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.record({ needs: needsArb, release: fc.boolean(), skipMod: fc.nat({ max: 3 }) }), { maxLength: 40 }),
        (raw, steps) => {
          const fleet = fleetOf(raw);
          const placed: { i: number; devices: number[]; resources: Resources }[] = [];
          for (const { needs, release, skipMod } of steps) {
            if (release && placed.length > 0) {
              const p = placed.splice(skipMod % placed.length, 1)[0];
              fleet.release(p.i, p);
              continue;
            }
            const skip = (i: number) => skipMod > 0 && i % (skipMod + 1) === 0;
            const expected = bruteForce(fleet, needs, skip);
            assert.equal(fleet.best(needs, skip), expected);
            if (expected >= 0 && !skip(expected)) {
              placed.push({ i: expected, devices: fleet.allocate(expected, needs), resources: needs });
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("SPREAD picks what scoring every instance by (copies, score, age) picks, copy after copy", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ shape: fc.nat({ max: 2 }), schedulable: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ needs: needsArb, copies: fc.integer({ min: 1, max: 30 }) }), { maxLength: 4 }),
        (raw, components) => {
          const fleet = fleetOf(raw);
          for (const { needs, copies } of components) {
            const counts = new Map<number, number>();
            const pick = spread.picker(fleet, needs, counts);
            for (let n = 0; n < copies; n++) {
              const expected = spreadBruteForce(fleet, needs, counts);
              assert.equal(pick(), expected);
              if (expected < 0) break;
              fleet.allocate(expected, needs);
              counts.set(expected, (counts.get(expected) ?? 0) + 1);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
