import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, fleet, input, removedIds, res } from "./builders.js";

describe("copies that must go, and copies on their way out", () => {
  it("removes every copy of a component that no longer wants copies", (t: TestContext) => {
    t.plan(3);
    const d = place(input({ instances: fleet(2), demands: [], current: [copy("gone-1", "i-1"), copy("gone-2", "i-2")] }));
    t.assert.deepStrictEqual(removedIds(d), ["gone-1", "gone-2"]);
    t.assert.deepStrictEqual(d.remove[0].reason, "inference component no longer wants copies");
    t.assert.deepStrictEqual(d.keep, []);
  });

  it("lets other components use the room that removed copies free", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(1),
        demands: [demand("new", 1, { needs: res(4) })],
        current: [copy("gone-1", "i-1", { resources: res(4) })],
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), ["new-1@i-1"]);
  });

  it("removes a copy whose instance left the fleet and places a new one", (t: TestContext) => {
    t.plan(2);
    const d = place(input({ instances: fleet(1), demands: [demand("m", 1)], current: [copy("m-1", "i-9")] }));
    t.assert.deepStrictEqual(removedIds(d), ["m-1"]);
    t.assert.deepStrictEqual(addedAt(d), ["m-2@i-1"]);
  });

  it("keeps a copy that another copy replaces, without counting it", (t: TestContext) => {
    t.plan(3);
    const current = [copy("m-1", "i-1"), copy("m-2", "i-2", { replaces: "m-1" })];
    const d = place(input({ instances: fleet(2), demands: [demand("m", 1)], current }));
    t.assert.deepStrictEqual(d.keep, current);
    t.assert.deepStrictEqual(removedIds(d), []);
    t.assert.deepStrictEqual(addedAt(place(input({ instances: fleet(2), demands: [demand("m", 2)], current }))), ["m-3@i-1"]);
  });

  it("never removes a copy on its way out, even on scale-in", (t: TestContext) => {
    t.plan(1);
    const current = [copy("m-1", "i-1"), copy("m-2", "i-2", { replaces: "m-1" }), copy("m-3", "i-2", { devices: [1] })];
    const d = place(input({ instances: fleet(2), demands: [demand("m", 1)], current }));
    t.assert.deepStrictEqual(removedIds(d), ["m-3"]);
  });
});

describe("scaling to zero while a copy is being replaced", () => {
  it("stops the replacement and then the copy it was replacing", (t: TestContext) => {
    t.plan(2);
    const current = [copy("m-1", "i-1"), copy("m-2", "i-2", { replaces: "m-1", ready: false }), copy("m-3", "i-2", { devices: [1] })];
    const d = place(input({ instances: fleet(2), demands: [demand("m", 0)], current }));
    t.assert.deepStrictEqual(removedIds(d), ["m-1", "m-2", "m-3"]);
    t.assert.deepStrictEqual(d.keep, []);
  });
});
