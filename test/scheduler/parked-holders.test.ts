import { describe, it, type TestContext } from "node:test";
import { place, type PlacedCopy, type SchedulerInstance } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, fleet, input, instance, res } from "./builders.js";

const url = "http://models.internal/m.tar.gz";

describe("placement prefers an instance whose host keeps an engine of the component parked", () => {
  it("takes the instance with the parked engine over one holding the artifact in host memory, and keys it by component", (t: TestContext) => {
    t.plan(2);
    const m = { ...demand("m", 1), artifact: url };
    const held = { holders: { [url]: ["i-2", "i-3"] }, memoryHolders: { [url]: ["i-2"] } };
    const d = place(input({ instances: fleet(3), demands: [m], ...held, parkedHolders: { m: ["i-3"] } }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-3"]);
    const other = place(input({ instances: fleet(3), demands: [m], ...held, parkedHolders: { n: ["i-3"] } }));
    t.assert.deepStrictEqual(addedAt(other), ["m-1@i-2"], "another component's parked engine does not draw it");
  });
});

describe("placement puts a copy on the devices its parked engine was started on", () => {
  const gpus = (id: string, devices: number): SchedulerInstance => ({
    ...instance(id, { capacity: res(devices, 16_000, 65_536) }),
    deviceMemoryMiB: Array(devices).fill(40_960),
  });

  it("takes the parked engine's whole devices when they are free, and the lowest free ones when they are not", (t: TestContext) => {
    t.plan(2);
    const m = demand("m", 1, { needs: res(2) });
    const engines: number[][] = [
      [0, 1],
      [4, 5],
    ];
    const parked = { parkedHolders: { m: ["i-1"] }, parkedDevices: { m: { "i-1": engines } } };
    const devicesAdded = (current: PlacedCopy[]) =>
      place(input({ instances: [gpus("i-1", 6)], demands: [m, ...current.map((c) => demand(c.component, 1, { needs: res(2) }))], current, ...parked })).add.map(
        (a) => a.devices,
      );
    t.assert.deepStrictEqual(
      devicesAdded([copy("a-1", "i-1", { resources: res(2), devices: [0, 1] })]),
      [[4, 5]],
      "the engine on devices 0–1 is under another copy: the one on 4–5 is taken, not the lowest free 2–3",
    );
    t.assert.deepStrictEqual(
      devicesAdded([copy("a-1", "i-1", { resources: res(2), devices: [0, 1] }), copy("b-1", "i-1", { resources: res(2), devices: [4, 5] })]),
      [[2, 3]],
      "both engines' devices are taken: the lowest free ones",
    );
  });

  it("puts a share on the parked engine's device when it has room, though another device would fill better", (t: TestContext) => {
    t.plan(2);
    const m = { ...demand("m", 1, { needs: res(0) }), share: { memoryMiB: 8_192 } };
    const neighbour = { ...copy("n-1", "i-1", { resources: res(0), devices: [0] }), share: { memoryMiB: 16_384 } };
    const base = { instances: [gpus("i-1", 2)], current: [neighbour] };
    const without = place(input({ ...base, demands: [m, { ...demand("n", 1, { needs: res(0) }), share: { memoryMiB: 16_384 } }] }));
    t.assert.deepStrictEqual(without.add[0]!.devices, [0], "best fit: the device already part used");
    const withParked = place(
      input({
        ...base,
        demands: [m, { ...demand("n", 1, { needs: res(0) }), share: { memoryMiB: 16_384 } }],
        parkedHolders: { m: ["i-1"] },
        parkedDevices: { m: { "i-1": [[1]] } },
      }),
    );
    t.assert.deepStrictEqual(withParked.add[0]!.devices, [1], "the parked engine's device");
  });
});
