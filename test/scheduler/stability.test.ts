import { describe, it, type TestContext } from "node:test";
import { place, type PlacementInput } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, fleet, input, instance, res, settled } from "./builders.js";

function scenario(): PlacementInput {
  return input({
    instances: [...fleet(3), instance("i-4", { schedulable: false })],
    demands: [demand("a", 3, { strategy: "SPREAD" }), demand("b", 2, { needs: res(2, 4000, 8192) }), demand("c", 1, { needs: res(0, 2000, 4096) })],
    current: [copy("a-1", "i-2"), copy("b-1", "i-4", { resources: res(2, 4000, 8192) }), copy("gone-1", "i-1")],
    nextOrdinals: { a: 2, b: 2 },
  });
}

describe("stability and determinism", () => {
  it("does not move existing copies when a new component arrives", (t: TestContext) => {
    t.plan(2);
    const current = [copy("a-1", "i-1"), copy("a-2", "i-2"), copy("b-1", "i-1", { devices: [1] })];
    const d = place(input({ instances: fleet(3), demands: [demand("a", 2), demand("b", 1), demand("new", 3, { needs: res(2) })], current }));
    t.assert.deepStrictEqual(d.keep, current);
    t.assert.deepStrictEqual(d.remove, []);
  });

  it("gives the same decision whatever the order of its inputs", (t: TestContext) => {
    t.plan(1);
    const base = scenario();
    const reversed: PlacementInput = {
      instances: [...base.instances].reverse(),
      demands: [...base.demands].reverse(),
      current: [...base.current].reverse(),
      nextOrdinals: Object.fromEntries(Object.entries(base.nextOrdinals).reverse()),
    };
    t.assert.deepStrictEqual(place(reversed), place(base));
  });

  it("advances nextOrdinals for every component it adds copies to", (t: TestContext) => {
    t.plan(2);
    const d = place(input({ instances: fleet(2), demands: [demand("m", 2), demand("n", 1)], nextOrdinals: { m: 5, other: 3 } }));
    t.assert.deepStrictEqual(addedAt(d), ["m-5@i-1", "m-6@i-1", "n-1@i-1"]);
    t.assert.deepStrictEqual(d.nextOrdinals, { m: 7, n: 2, other: 3 });
  });

  it("skips an ordinal whose name a current copy still uses", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: fleet(1), demands: [demand("m", 2)], current: [copy("m-1", "i-1")], nextOrdinals: { m: 1 } }));
    t.assert.deepStrictEqual(addedAt(d), ["m-2@i-1"]);
  });

  it("changes nothing when run again on its own result", (t: TestContext) => {
    t.plan(2);
    const first = place(scenario());
    const again = place({ ...scenario(), current: settled(first), nextOrdinals: first.nextOrdinals });
    t.assert.deepStrictEqual(again.add, []);
    t.assert.deepStrictEqual(again.remove, []);
  });

  it("refuses two demands for one component rather than guess which one holds", (t: TestContext) => {
    t.plan(1);
    t.assert.throws(() => place(input({ instances: fleet(1), demands: [demand("m", 1), demand("m", 2)] })), /component "m" has two demands/);
  });
});
