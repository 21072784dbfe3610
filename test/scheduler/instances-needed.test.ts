import { describe, it, type TestContext } from "node:test";
import { instancesNeeded, place } from "../../src/scheduler/index.js";
import { demand, fleet, input, res } from "./builders.js";

const template = { capacity: res(4, 16_000, 65_536), deviceIndices: [0, 1, 2, 3] };

describe("instancesNeeded", () => {
  it("needs none when every copy already fits", (t: TestContext) => {
    t.plan(1);
    t.assert.deepStrictEqual(instancesNeeded(input({ instances: fleet(1), demands: [demand("m", 4)] }), template, 5), {
      count: 0,
      stillUnplaced: [],
    });
  });

  it("counts the fewest empty instances that take the missing copies", (t: TestContext) => {
    t.plan(1);
    // 10 one-device copies, 4 fit on i-1: 6 left need two 4-device instances.
    const result = instancesNeeded(input({ instances: fleet(1), demands: [demand("m", 10)] }), template, 8);
    t.assert.deepStrictEqual(result, { count: 2, stillUnplaced: [] });
  });

  it("packs different components together when it counts", (t: TestContext) => {
    t.plan(1);
    // 3+3+2+2 devices on 4-device instances: the 3s need one each, the two 2s share a third.
    const demands = [demand("a", 2, { needs: res(3) }), demand("b", 2, { needs: res(2) })];
    t.assert.deepStrictEqual(instancesNeeded(input({ demands }), template, 10).count, 3);
  });

  it("counts one instance per copy under SPREAD when a copy fills most of an instance", (t: TestContext) => {
    t.plan(1);
    const demands = [demand("m", 3, { needs: res(3), strategy: "SPREAD" })];
    t.assert.deepStrictEqual(instancesNeeded(input({ instances: fleet(1), demands }), template, 10).count, 2);
  });

  it("stops at the limit and reports what still does not fit", (t: TestContext) => {
    t.plan(2);
    const result = instancesNeeded(input({ instances: fleet(1), demands: [demand("m", 10)] }), template, 1);
    t.assert.deepStrictEqual(result.count, 1);
    t.assert.deepStrictEqual(
      result.stillUnplaced.map((u) => u.missing),
      [2],
    );
  });

  it("adds no instance for a copy that fails the fit check on an empty template instance, and says what falls short", (t: TestContext) => {
    t.plan(2);
    const inp = input({ demands: [demand("huge", 1, { needs: res(8) })] });
    const result = instancesNeeded(inp, template, 3);
    t.assert.deepStrictEqual(result.count, 0);
    t.assert.deepStrictEqual(result.stillUnplaced[0].reason, "1 of 1 copy cannot be placed: the endpoint has no schedulable instances");
  });

  it("counts instances for the copies that fit a template instance while another copy never does", (t: TestContext) => {
    t.plan(2);
    const inp = input({ instances: fleet(1), demands: [demand("huge", 1, { needs: res(8) }), demand("m", 10)] });
    const result = instancesNeeded(inp, template, 8);
    t.assert.deepStrictEqual(result.count, 2);
    t.assert.deepStrictEqual(
      result.stillUnplaced.map((u) => [u.component, u.shortfalls]),
      [["huge", [{ resource: "accelerators", needed: 8, available: 2 }]]],
    );
  });

  it("agrees with place on a fleet grown by the count it returns", (t: TestContext) => {
    t.plan(2);
    const inp = input({ instances: fleet(2), demands: [demand("a", 7, { needs: res(2) }), demand("b", 5, { needs: res(1) })] });
    const { count } = instancesNeeded(inp, template, 10);
    const grown = (n: number) => ({ ...inp, instances: [...inp.instances, ...fleet(n).map((i) => ({ ...i, id: `x-${i.id}`, order: 100 + i.order }))] });
    t.assert.deepStrictEqual(place(grown(count)).unplaced, []);
    t.assert.notDeepStrictEqual(place(grown(count - 1)).unplaced, []);
  });
});
