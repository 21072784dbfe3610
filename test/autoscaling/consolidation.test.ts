import { describe, it, type TestContext } from "node:test";
import { consolidationAllowed, decideInstanceCount, type InstanceScalingInput } from "../../src/autoscaling/instance-scaling.js";
import type { PlacedCopy, SchedulerInstance } from "../../src/scheduler/index.js";

const capacity = { accelerators: 8, cpuMillis: 96_000, memoryMiB: 1_000_000 };
const instance = (id: string, order: number): SchedulerInstance => ({
  id,
  capacity,
  deviceIndices: [0, 1, 2, 3, 4, 5, 6, 7],
  schedulable: true,
  order,
});
const copy = (id: string, component: string, instanceId: string, devices: number[]): PlacedCopy => ({
  id,
  component,
  instanceId,
  devices,
  resources: { accelerators: devices.length, cpuMillis: 1000 * devices.length, memoryMiB: 10_000 * devices.length },
  ready: true,
});

/** Three instances; component a (4 GPUs a copy) on i-1 and i-2, b (2 GPUs) on i-3. */
function fleet(bCopies: number, maxStep = 1): InstanceScalingInput {
  const current = [copy("a-1", "a", "i-1", [0, 1, 2, 3]), copy("a-2", "a", "i-2", [0, 1, 2, 3])];
  for (let k = 0; k < bCopies; k++) current.push(copy(`b-${k + 1}`, "b", "i-3", [2 * k, 2 * k + 1]));
  return {
    placement: {
      instances: [instance("i-1", 1), instance("i-2", 2), instance("i-3", 3)],
      demands: [
        { component: "a", copies: 2, needs: current[0].resources, strategy: "BINPACK" },
        { component: "b", copies: bCopies, needs: { accelerators: 2, cpuMillis: 2000, memoryMiB: 20_000 }, strategy: "BINPACK" },
      ],
      current,
      nextOrdinals: { a: 3, b: bCopies + 1 },
    },
    template: { capacity, deviceIndices: [0, 1, 2, 3, 4, 5, 6, 7] },
    live: ["i-1", "i-2", "i-3"].map((id, k) => ({ id, launching: false, createdAt: k })),
    bounds: { min: 1, max: 5 },
    now: 3_600_000,
    idleReleaseMs: 600_000,
    consolidation: { maxStep, allowed: true },
  };
}

describe("CONSOLIDATION scale-in (decideInstanceCount), the decision the endpoint controller and the simulator share", () => {
  it("drains the lightest instance whose copies fit on the others", (t: TestContext) => {
    // i-3 holds one 2-GPU copy, the lightest load; it fits next to a-1 or a-2.
    const decision = decideInstanceCount(fleet(1));
    t.assert.deepEqual(decision.consolidate, ["i-3"]);
    t.assert.equal(decision.count, 2);
  });

  it("drains at most MaximumStepSize instances at a time", (t: TestContext) => {
    // Four instances with one 2-GPU copy of b each: all four copies fit on one instance.
    const spread = (maxStep: number): InstanceScalingInput => {
      const input = fleet(1, maxStep);
      const ids = ["i-1", "i-2", "i-3", "i-4"];
      input.placement.instances = ids.map((id, k) => instance(id, k + 1));
      input.placement.current = ids.map((id, k) => copy(`b-${k + 1}`, "b", id, [0, 1]));
      input.placement.demands = [input.placement.demands[1]];
      input.placement.demands[0] = { ...input.placement.demands[0], copies: 4 };
      input.live = ids.map((id, k) => ({ id, launching: false, createdAt: k }));
      return input;
    };
    // Equal loads: the newest instance drains first.
    t.assert.deepEqual(decideInstanceCount(spread(1)).consolidate, ["i-4"]);
    t.assert.deepEqual(decideInstanceCount(spread(2)).consolidate, ["i-4", "i-3"]);
    t.assert.deepEqual(decideInstanceCount(spread(5)).consolidate, ["i-4", "i-3", "i-2"]);
    t.assert.equal(decideInstanceCount(spread(5)).count, 1);
  });

  it("drains nothing when no instance's copies fit on the others", (t: TestContext) => {
    // i-3 full with four b copies (8 GPUs), and i-1 and i-2 full with a copy of a and one of c each.
    const full = fleet(4);
    full.placement.current.push(copy("c-1", "c", "i-1", [4, 5, 6, 7]), copy("c-2", "c", "i-2", [4, 5, 6, 7]));
    full.placement.demands.push({ component: "c", copies: 2, needs: full.placement.current[0].resources, strategy: "BINPACK" });
    const decision = decideInstanceCount(full);
    t.assert.deepEqual(decision.consolidate, []);
    t.assert.equal(decision.count, 3);
  });

  it("drains nothing while not allowed, while copies move, or at the minimum", (t: TestContext) => {
    t.assert.deepEqual(decideInstanceCount({ ...fleet(1), consolidation: { maxStep: 1, allowed: false } }).consolidate, []);
    const moving = fleet(1);
    moving.placement.current.push({ ...copy("a-3", "a", "i-3", [4, 5, 6, 7]), replaces: "a-2" });
    t.assert.deepEqual(decideInstanceCount(moving).consolidate, []);
    t.assert.deepEqual(decideInstanceCount({ ...fleet(1), bounds: { min: 3, max: 5 } }).consolidate, []);
  });

  it("consolidates again once a move has finished, though the moved copy still names the copy it replaced", (t: TestContext) => {
    // b-1 replaced a copy that is gone: that move is over, so i-3 may drain again.
    const moved = fleet(1);
    moved.placement.current[2] = { ...moved.placement.current[2]!, replaces: "b-0" };
    t.assert.deepEqual(decideInstanceCount(moved).consolidate, ["i-3"]);
  });

  it("is allowed once the cooldown since the endpoint last changed has passed and nothing drains", (t: TestContext) => {
    const at = (now: number, draining = false) => consolidationAllowed({ now, lastModifiedAt: 1000, cooldownMs: 20 * 60_000, draining });
    t.assert.equal(at(1000 + 20 * 60_000 - 1), false);
    t.assert.equal(at(1000 + 20 * 60_000), true);
    t.assert.equal(at(1000 + 20 * 60_000, true), false);
  });
});
