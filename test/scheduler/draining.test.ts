import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, input, instance, removedIds, res } from "./builders.js";

const drainingFleet = () => [instance("i-1", { schedulable: false }), instance("i-2")];

describe("moving copies off draining instances", () => {
  it("starts a replacement on a schedulable instance for each copy on a draining one", (t: TestContext) => {
    t.plan(4);
    const current = [copy("m-1", "i-1"), copy("m-2", "i-1", { devices: [1] })];
    const d = place(input({ instances: drainingFleet(), demands: [demand("m", 2)], current }));
    t.assert.deepStrictEqual(
      d.add.map((c) => [c.id, c.instanceId, c.replaces]),
      [
        ["m-3", "i-2", "m-1"],
        ["m-4", "i-2", "m-2"],
      ],
    );
    t.assert.deepStrictEqual(d.add[0].reason, "moving off draining instance i-1");
    t.assert.deepStrictEqual(d.keep, current);
    t.assert.deepStrictEqual(removedIds(d), []);
  });

  it("does not start a second replacement for a copy that already has one", (t: TestContext) => {
    t.plan(2);
    const current = [copy("m-1", "i-1"), copy("m-2", "i-2", { replaces: "m-1", ready: false })];
    const d = place(input({ instances: drainingFleet(), demands: [demand("m", 1)], current }));
    t.assert.deepStrictEqual(addedAt(d), []);
    t.assert.deepStrictEqual(d.keep, current);
  });

  it("leaves the copy serving where it is when no instance has room", (t: TestContext) => {
    t.plan(3);
    const d = place(
      input({
        instances: drainingFleet(),
        demands: [demand("m", 1), demand("big", 1, { needs: res(4) })],
        current: [copy("m-1", "i-1"), copy("big-1", "i-2", { resources: res(4) })],
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), []);
    t.assert.deepStrictEqual(d.unplaced, []);
    t.assert.deepStrictEqual(removedIds(d), []);
  });

  it("stops counting a copy once its replacement is placed, so scale-out adds the rest", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: drainingFleet(), demands: [demand("m", 3)], current: [copy("m-1", "i-1")] }));
    t.assert.deepStrictEqual(
      d.add.map((c) => `${c.id}:${c.replaces ?? "new"}`),
      ["m-2:m-1", "m-3:new", "m-4:new"],
    );
  });
});
