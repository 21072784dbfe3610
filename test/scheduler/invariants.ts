import type { PlacedCopy, PlacementDecision, PlacementInput } from "../../src/scheduler/index.js";

/** Checks the tests share: what a user or an operator would call a broken placement. */

export function heldAfter(decision: PlacementDecision): PlacedCopy[] {
  return [...decision.keep, ...decision.add];
}

/** Every way the decision over-commits an instance, as readable lines; empty when none. */
export function overcommits(input: PlacementInput, decision: PlacementDecision): string[] {
  const problems: string[] = [];
  for (const inst of input.instances) {
    const copies = heldAfter(decision).filter((c) => c.instanceId === inst.id);
    for (const r of ["accelerators", "cpuMillis", "memoryMiB"] as const) {
      const sum = copies.reduce((s, c) => s + c.resources[r], 0);
      if (sum > inst.capacity[r]) problems.push(`${inst.id}: ${r} ${sum} > ${inst.capacity[r]}`);
    }
    const devices = copies.flatMap((c) => c.devices);
    if (new Set(devices).size !== devices.length) problems.push(`${inst.id}: a device is shared (${devices})`);
    for (const d of devices) if (!inst.deviceIndices.includes(d)) problems.push(`${inst.id}: unknown device ${d}`);
  }
  for (const c of decision.add) {
    if (c.devices.length !== c.resources.accelerators) problems.push(`${c.id}: ${c.devices.length} devices`);
  }
  return problems;
}

/** Copies that count toward their component: held, and not on their way out. */
export function activeCopies(decision: PlacementDecision, component: string): PlacedCopy[] {
  const held = heldAfter(decision);
  const outgoing = new Set(held.flatMap((c) => (c.replaces === undefined ? [] : [c.replaces])));
  return held.filter((c) => c.component === component && !outgoing.has(c.id));
}
