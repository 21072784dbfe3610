import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { copy, demand, fleet, input, instance, res } from "./builders.js";
import { overcommits } from "./invariants.js";

describe("accelerator devices", () => {
  it("assigns the lowest free device indices", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(1),
        demands: [demand("a", 1, { needs: res(2) }), demand("b", 1, { needs: res(2) })],
        current: [copy("a-1", "i-1", { resources: res(2), devices: [0, 2] })],
      }),
    );
    t.assert.deepStrictEqual(d.add[0].devices, [1, 3]);
  });

  it("draws from the instance's own device indices", (t: TestContext) => {
    t.plan(1);
    const inst = instance("i-1", { devices: [7, 4, 5, 6] });
    const d = place(input({ instances: [inst], demands: [demand("m", 2, { needs: res(2) })] }));
    t.assert.deepStrictEqual(
      d.add.map((c) => c.devices),
      [
        [4, 5],
        [6, 7],
      ],
    );
  });

  it("never gives one device to two copies", (t: TestContext) => {
    t.plan(2);
    const inp = input({
      instances: fleet(2),
      demands: [demand("a", 3, { needs: res(1) }), demand("b", 2, { needs: res(2) })],
      current: [copy("a-1", "i-1", { devices: [1] })],
    });
    const d = place(inp);
    t.assert.deepStrictEqual(overcommits(inp, d), []);
    t.assert.deepStrictEqual(d.unplaced, []);
  });

  it("places nothing on an instance whose devices are all held, whatever its counts say", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(2),
        demands: [demand("odd", 1), demand("m", 1)],
        current: [copy("odd-1", "i-1", { resources: res(1), devices: [0, 1, 2, 3] })],
      }),
    );
    t.assert.deepStrictEqual(
      d.add.map((c) => c.instanceId),
      ["i-2"],
    );
  });
});
