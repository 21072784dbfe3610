import fc from "fast-check";
import type { Resources } from "../../src/domain/compute.js";
import type { ComponentDemand, PlacedCopy, PlacementInput, SchedulerInstance } from "../../src/scheduler/index.js";

/** Random but valid placement inputs: current copies never over-commit, and replacements point back. */

const names = ["a", "b", "c", "d"] as const;

const rawInstance = fc.record({
  accelerators: fc.integer({ min: 0, max: 8 }),
  cpuCores: fc.integer({ min: 1, max: 16 }),
  memoryGiB: fc.integer({ min: 1, max: 16 }),
  schedulable: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  order: fc.integer({ min: 0, max: 5 }),
  sparseDevices: fc.boolean(),
});

const needsArb: fc.Arbitrary<Resources> = fc.record({
  accelerators: fc.integer({ min: 0, max: 3 }),
  cpuMillis: fc.integer({ min: 0, max: 8 }).map((n) => n * 500),
  memoryMiB: fc.integer({ min: 0, max: 8 }).map((n) => n * 1024),
});

const rawDemand = fc.record({
  component: fc.constantFrom(...names),
  copies: fc.integer({ min: 0, max: 8 }),
  needs: needsArb,
  strategy: fc.constantFrom("SPREAD" as const, "BINPACK" as const),
});

const rawCopy = fc.record({
  component: fc.constantFrom(...names, "gone"),
  instance: fc.nat(),
  ready: fc.boolean(),
  replacesEarlier: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  onLostInstance: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

type RawCopy = typeof rawCopy extends fc.Arbitrary<infer T> ? T : never;

export const placementInputArb: fc.Arbitrary<PlacementInput> = fc
  .record({
    instances: fc.array(rawInstance, { maxLength: 6 }),
    demands: fc.uniqueArray(rawDemand, { maxLength: 4, selector: (d) => d.component }),
    copies: fc.array(rawCopy, { maxLength: 24 }),
    ordinalShift: fc.integer({ min: -2, max: 2 }),
  })
  .map(({ instances: raw, demands, copies, ordinalShift }) => {
    const instances: SchedulerInstance[] = raw.map((r, k) => ({
      id: `i-${k + 1}`,
      capacity: { accelerators: r.accelerators, cpuMillis: r.cpuCores * 1000, memoryMiB: r.memoryGiB * 2048 },
      deviceIndices: Array.from({ length: r.accelerators }, (_, d) => (r.sparseDevices ? r.accelerators * 2 - 1 - d * 2 : d)),
      schedulable: r.schedulable,
      order: r.order,
    }));
    const current = buildCopies(instances, demands, copies);
    const nextOrdinals: Record<string, number> = {};
    for (const name of names) {
      const used = current.filter((c) => c.component === name).length;
      if (used > 0) nextOrdinals[name] = Math.max(1, used + 1 + ordinalShift);
    }
    return { instances, demands, current, nextOrdinals };
  });

function buildCopies(instances: SchedulerInstance[], demands: ComponentDemand[], raw: readonly RawCopy[]): PlacedCopy[] {
  const free = instances.map((i) => ({ ...i.capacity }));
  const freeDevices = instances.map((i) => [...i.deviceIndices].sort((a, b) => a - b));
  const out: PlacedCopy[] = [];
  const replaced = new Set<string>();
  for (const r of raw) {
    const resources = demands.find((d) => d.component === r.component)?.needs ?? { accelerators: 1, cpuMillis: 500, memoryMiB: 512 };
    const id = `${r.component}-${out.filter((c) => c.component === r.component).length + 1}`;
    let instanceId = "i-lost";
    let devices = Array.from({ length: resources.accelerators }, (_, d) => d);
    if (!r.onLostInstance) {
      if (instances.length === 0) continue;
      const k = r.instance % instances.length;
      const f = free[k];
      const fits =
        f.accelerators >= resources.accelerators &&
        freeDevices[k].length >= resources.accelerators &&
        f.cpuMillis >= resources.cpuMillis &&
        f.memoryMiB >= resources.memoryMiB;
      if (!fits) continue;
      f.accelerators -= resources.accelerators;
      f.cpuMillis -= resources.cpuMillis;
      f.memoryMiB -= resources.memoryMiB;
      devices = freeDevices[k].splice(0, resources.accelerators);
      instanceId = instances[k].id;
    }
    const target = r.replacesEarlier
      ? [...out].reverse().find((c) => c.component === r.component && !replaced.has(c.id) && c.replaces === undefined)
      : undefined;
    const copy: PlacedCopy = { id, component: r.component, instanceId, devices, resources, ready: r.ready };
    if (target !== undefined) replaced.add(target.id);
    out.push(target === undefined ? copy : { ...copy, replaces: target.id });
  }
  return out;
}

/** The same input with every list in another order. */
export function reordered(input: PlacementInput, seed: number): PlacementInput {
  return {
    instances: shuffle(input.instances, seed),
    demands: shuffle(input.demands, seed + 1),
    current: shuffle(input.current, seed + 2),
    nextOrdinals: Object.fromEntries(shuffle(Object.entries(input.nextOrdinals), seed + 3)),
  };
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let k = out.length - 1; k > 0; k--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (k + 1);
    [out[k], out[j]] = [out[j], out[k]];
  }
  return out;
}
