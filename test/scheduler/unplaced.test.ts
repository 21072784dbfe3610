import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { copy, demand, fleet, input, instance, res } from "./builders.js";

describe("copies that cannot be placed", () => {
  it("reports how many are missing, the short resource and a readable reason", (t: TestContext) => {
    t.plan(2);
    const d = place(input({ instances: fleet(1), demands: [demand("m", 6)] }));
    t.assert.deepStrictEqual(d.add.length, 4);
    t.assert.deepStrictEqual(d.unplaced, [
      {
        component: "m",
        missing: 2,
        shortfalls: [{ resource: "accelerators", needed: 1, available: 0 }],
        reason: "2 of 6 copies cannot be placed: accelerator devices short by 1 (each copy needs 1, the most free on any instance is 0)",
      },
    ]);
  });

  it("names every resource that no instance has enough of, CPU in cores", (t: TestContext) => {
    t.plan(2);
    const d = place(input({ instances: fleet(2), demands: [demand("huge", 1, { needs: res(8, 32_500, 131_072) })] }));
    t.assert.deepStrictEqual(d.unplaced[0].shortfalls, [
      { resource: "accelerators", needed: 8, available: 4 },
      { resource: "cpuMillis", needed: 32_500, available: 16_000 },
      { resource: "memoryMiB", needed: 131_072, available: 65_536 },
    ]);
    t.assert.deepStrictEqual(
      d.unplaced[0].reason,
      "1 of 1 copy cannot be placed: accelerator devices short by 4 (each copy needs 8, the most free on any instance is 4); " +
        "CPU cores short by 16.5 (each copy needs 32.5, the most free on any instance is 16); " +
        "memory short by 65536 MiB (each copy needs 131072 MiB, the most free on any instance is 65536 MiB)",
    );
  });

  it("names the closest instance when each resource fits somewhere but never together", (t: TestContext) => {
    t.plan(2);
    const d = place(
      input({
        instances: fleet(2),
        demands: [demand("x", 1, { needs: res(0, 1000, 65_536) }), demand("y", 1, { needs: res(4) }), demand("m", 1, { needs: res(1, 1000, 2048) })],
        current: [copy("x-1", "i-1", { resources: res(0, 1000, 65_536) }), copy("y-1", "i-2", { resources: res(4) })],
      }),
    );
    t.assert.deepStrictEqual(d.unplaced[0].shortfalls, [{ resource: "memoryMiB", needed: 2048, available: 0 }]);
    t.assert.deepStrictEqual(
      d.unplaced[0].reason,
      "1 of 1 copy cannot be placed: no instance has room for all of one copy's needs at once; " +
        "the closest, i-1, is short of memory by 2048 MiB (each copy needs 2048 MiB, it has 0 MiB free)",
    );
  });

  it("says so when there are no schedulable instances", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: [instance("i-1", { schedulable: false })], demands: [demand("m", 2)] }));
    t.assert.deepStrictEqual(d.unplaced, [
      { component: "m", missing: 2, shortfalls: [], reason: "2 of 2 copies cannot be placed: the endpoint has no schedulable instances" },
    ]);
  });

  it("is empty when every copy is placed", (t: TestContext) => {
    t.plan(1);
    t.assert.deepStrictEqual(place(input({ instances: fleet(1), demands: [demand("m", 4)] })).unplaced, []);
  });
});
