import { describe, it, type TestContext } from "node:test";
import { instancesNeeded, place, type ComponentDemand, type PlacedCopy, type PlacementDecision, type SchedulerInstance } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, input, instance, res, settled } from "./builders.js";

/** An instance of `devices` devices of `memoryMiB` each, as the catalog models a g5 (24 GiB A10G). */
function gpuInstance(id: string, devices = 1, memoryMiB = 24_576): SchedulerInstance {
  return { ...instance(id, { capacity: res(devices, 16_000, 65_536) }), deviceMemoryMiB: Array(devices).fill(memoryMiB), instanceType: "ml.g5.xlarge" };
}

function shareDemand(
  component: string,
  copies: number,
  memoryMiB: number,
  computePercent?: number,
  strategy: "BINPACK" | "SPREAD" = "BINPACK",
): ComponentDemand {
  return { ...demand(component, copies, { needs: res(0), strategy }), share: { memoryMiB, ...(computePercent === undefined ? {} : { computePercent }) } };
}

/** Device memory and compute held per "instance/device", and whether whole and shared copies meet on one. */
function deviceUse(copies: readonly PlacedCopy[]) {
  const use = new Map<string, { memoryMiB: number; percent: number; whole: number; shares: number }>();
  for (const c of copies) {
    for (const d of c.devices) {
      const key = `${c.instanceId}/${d}`;
      const u = use.get(key) ?? { memoryMiB: 0, percent: 0, whole: 0, shares: 0 };
      if (c.share) {
        u.memoryMiB += c.share.memoryMiB;
        u.percent += c.share.computePercent ?? 0;
        u.shares++;
      } else u.whole++;
      use.set(key, u);
    }
  }
  return use;
}

function all(decision: PlacementDecision): PlacedCopy[] {
  return settled(decision);
}

describe("accelerator shares", () => {
  it("packs two half-device copies onto one device and refuses a third, naming the device-memory shortfall", (t: TestContext) => {
    t.plan(4);
    const d = place(input({ instances: [gpuInstance("i-1")], demands: [shareDemand("half", 3, 12_288)] }));
    t.assert.deepStrictEqual(addedAt(d), ["half-1@i-1", "half-2@i-1"]);
    t.assert.deepStrictEqual(
      d.add.map((c) => c.devices),
      [[0], [0]],
    );
    t.assert.strictEqual(d.unplaced[0]?.missing, 1);
    t.assert.strictEqual(
      d.unplaced[0]?.reason,
      "1 of 3 copies cannot be placed: needs 12288 MiB of accelerator memory on one device; the most free on any ml.g5.xlarge device is 0 MiB",
    );
  });

  it("never over-commits a device's memory or compute", (t: TestContext) => {
    t.plan(3);
    const d = place(
      input({
        instances: [gpuInstance("i-1", 4), gpuInstance("i-2", 4)],
        demands: [shareDemand("a", 9, 10_000, 40), shareDemand("b", 7, 7_000), shareDemand("c", 5, 3_000, 30)],
      }),
    );
    const use = [...deviceUse(all(d)).values()];
    t.assert.ok(
      use.every((u) => u.memoryMiB <= 24_576),
      "memory within each device",
    );
    t.assert.ok(
      use.every((u) => u.percent <= 100),
      "compute within each device",
    );
    t.assert.strictEqual(d.add.length + d.unplaced.reduce((n, u) => n + u.missing, 0), 21);
  });

  it("never puts a share on a device a whole-device copy holds, nor a whole-device copy on a shared one", (t: TestContext) => {
    t.plan(3);
    const share: PlacedCopy = { ...copy("s-1", "i-1", { resources: res(0), devices: [1] }), share: { memoryMiB: 4_096 } };
    const d = place(
      input({
        instances: [gpuInstance("i-1", 2)],
        demands: [shareDemand("s", 2, 4_096), demand("w", 2, { needs: res(1) })],
        current: [copy("w-1", "i-1", { devices: [0] }), share],
      }),
    );
    t.assert.deepStrictEqual(d.add.find((c) => c.component === "s")?.devices, [1]);
    t.assert.ok(
      [...deviceUse(all(d)).values()].every((u) => u.whole === 0 || u.shares === 0),
      "no device holds both",
    );
    t.assert.match(d.unplaced.find((u) => u.component === "w")?.reason ?? "", /accelerator devices short by 1/);
  });

  it("best fit fills a partly used device before an empty one", (t: TestContext) => {
    t.plan(1);
    const existing: PlacedCopy = { ...copy("a-1", "i-2", { resources: res(0), devices: [1] }), share: { memoryMiB: 8_192 } };
    const d = place(
      input({
        instances: [gpuInstance("i-1", 2), gpuInstance("i-2", 2)],
        demands: [shareDemand("a", 1, 8_192), shareDemand("b", 1, 8_192)],
        current: [existing],
      }),
    );
    t.assert.deepStrictEqual(
      d.add.map((c) => `${c.id}@${c.instanceId}/${c.devices[0]}`),
      ["b-1@i-2/1"],
    );
  });

  it("takes the device the share fills most tightly", (t: TestContext) => {
    t.plan(1);
    const held = (id: string, device: number, memoryMiB: number): PlacedCopy => ({
      ...copy(id, "i-1", { resources: res(0), devices: [device] }),
      share: { memoryMiB },
    });
    const d = place(
      input({
        instances: [gpuInstance("i-1", 3)],
        demands: [shareDemand("x", 2, 4_096), shareDemand("new", 1, 8_000)],
        current: [held("x-1", 0, 4_096), held("x-2", 1, 16_000)],
      }),
    );
    t.assert.deepStrictEqual(d.add[0]?.devices, [1]);
  });

  it("names a compute shortfall when memory would fit", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: [gpuInstance("i-1")], demands: [shareDemand("p", 2, 1_024, 60)] }));
    t.assert.match(d.unplaced[0]?.reason ?? "", /needs 60% of one device's compute; the most free on any ml.g5.xlarge device with room for its memory is 40%/);
  });

  it("frees a device for whole-device copies once its last share is gone", (t: TestContext) => {
    t.plan(2);
    const first = place(input({ instances: [gpuInstance("i-1")], demands: [shareDemand("s", 2, 8_192)] }));
    const after = place(input({ instances: [gpuInstance("i-1")], demands: [shareDemand("s", 0, 8_192), demand("w", 1)], current: settled(first) }));
    t.assert.strictEqual(after.remove.length, 2);
    const next = place(input({ instances: [gpuInstance("i-1")], demands: [demand("w", 1)], current: after.keep }));
    t.assert.deepStrictEqual(addedAt(next), ["w-1@i-1"]);
  });

  it("SPREAD puts shares of one component on different instances first", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: [gpuInstance("i-1"), gpuInstance("i-2")], demands: [shareDemand("s", 2, 4_096, undefined, "SPREAD")] }));
    t.assert.deepStrictEqual(addedAt(d), ["s-1@i-1", "s-2@i-2"]);
  });

  it("managed scaling buys instances for shares by device memory", (t: TestContext) => {
    t.plan(2);
    const template = { capacity: res(1, 16_000, 65_536), deviceIndices: [0], deviceMemoryMiB: [24_576] };
    t.assert.strictEqual(instancesNeeded(input({ demands: [shareDemand("s", 5, 12_288)] }), template, 10).count, 3);
    t.assert.strictEqual(instancesNeeded(input({ demands: [shareDemand("big", 1, 30_000)] }), template, 10).count, 0);
  });
});
