import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fits } from "../../src/domain/fit.js";
import { instancesNeeded, place, type ComponentDemand, type InstanceTemplate, type PlacementInput, type Unplaced } from "../../src/scheduler/index.js";
import { planned } from "../../src/scheduler/instances-needed.js";
import { placementInputArb } from "./arbitraries.js";

/** The search as it was before its probes were shared (a bisection placing the fleet plus n planned instances for each n it tries). */
function reference(input: PlacementInput, template: InstanceTemplate, limit: number): { count: number; stillUnplaced: Unplaced[] } {
  const unplacedWith = (n: number): Unplaced[] => place({ ...input, instances: [...input.instances, ...planned(input.instances, template, n)] }).unplaced;
  const empty = { ...template.capacity, accelerators: Math.min(template.capacity.accelerators, new Set(template.deviceIndices).size) };
  const largestDevice = Math.max(0, ...(template.deviceMemoryMiB ?? []));
  const fitsEmpty = (d: ComponentDemand) => fits(empty, d.needs) && (!d.share || (d.share.memoryMiB <= largestDevice && (d.share.computePercent ?? 0) <= 100));
  const hopeless = new Set(input.demands.filter((d) => !fitsEmpty(d)).map((d) => d.component));
  const helped = (unplaced: Unplaced[]): boolean => unplaced.every((u) => hopeless.has(u.component));
  const now = unplacedWith(0);
  const max = Math.max(0, Math.floor(limit));
  if (helped(now) || max === 0) return { count: 0, stillUnplaced: now };
  const atMax = unplacedWith(max);
  if (!helped(atMax)) return { count: max, stillUnplaced: atMax };
  let fails = 0;
  let places = max;
  let left = atMax;
  while (places - fails > 1) {
    const mid = (fails + places) >>> 1;
    const unplaced = unplacedWith(mid);
    if (helped(unplaced)) [places, left] = [mid, unplaced];
    else fails = mid;
  }
  return { count: places, stillUnplaced: left };
}

const template: InstanceTemplate = {
  capacity: { accelerators: 4, cpuMillis: 8000, memoryMiB: 16_384 },
  deviceIndices: [0, 1, 2, 3],
  deviceMemoryMiB: [16_384, 16_384, 16_384, 16_384],
};

/** Some demands more copies, some CPU-only ones a device share instead, and holders naming instances. */
const scenario = fc
  .record({
    input: placementInputArb,
    extra: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 4, maxLength: 4 }),
    shares: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 4, maxLength: 4 }),
    holders: fc.array(fc.constantFrom("i-1", "i-2", "i-3", "planned-1", "planned-2", "planned-9"), { maxLength: 3 }),
    limit: fc.integer({ min: 0, max: 20 }),
  })
  .map(({ input, extra, shares, holders, limit }) => {
    const demands = input.demands.map((d, k) => {
      const more = { ...d, copies: d.copies + extra[k], artifact: d.component };
      return d.needs.accelerators === 0 && shares[k] > 0 ? { ...more, share: { memoryMiB: shares[k] * 3000 } } : more;
    });
    const named = demands.length > 0 && holders.length > 0 ? { [demands[0].component]: holders } : undefined;
    return { input: { ...input, demands, ...(named && { holders: named }) }, limit };
  });

describe("instancesNeeded's search", () => {
  it("answers as the plain bisection does, count and what still does not fit", () => {
    fc.assert(
      fc.property(scenario, ({ input, limit }) => {
        assert.deepEqual(instancesNeeded(input, template, limit), reference(input, template, limit));
      }),
      { numRuns: 400 },
    );
  });
});
