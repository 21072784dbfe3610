import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, fleet, input, instance, removedIds } from "./builders.js";

describe("scale-in", () => {
  it("removes not-ready copies first and says why", (t: TestContext) => {
    t.plan(2);
    const d = place(
      input({
        instances: fleet(3),
        demands: [demand("m", 2)],
        current: [copy("m-1", "i-1"), copy("m-2", "i-2", { ready: false }), copy("m-3", "i-3")],
      }),
    );
    t.assert.deepStrictEqual(removedIds(d), ["m-2"]);
    t.assert.deepStrictEqual(d.remove[0].reason, "scale-in: 2 copies wanted, 3 running");
  });

  it("removes ready copies without open sessions before those with some, whatever the strategy prefers", (t: TestContext) => {
    t.plan(2);
    const d = place(
      input({
        instances: fleet(3),
        demands: [demand("m", 3, { strategy: "SPREAD" })],
        current: [
          { ...copy("m-1", "i-1"), openSessions: 1 },
          { ...copy("m-2", "i-1", { devices: [1] }), openSessions: 3 },
          copy("m-3", "i-2"),
          copy("m-4", "i-3"),
        ],
      }),
    );
    // SPREAD alone would stop m-2, on the instance with the most copies; both there hold sessions.
    t.assert.deepStrictEqual(removedIds(d), ["m-4"]);
    const notReady = place(
      input({ instances: fleet(2), demands: [demand("m", 1)], current: [copy("m-1", "i-1"), { ...copy("m-2", "i-2", { ready: false }), openSessions: 1 }] }),
    );
    t.assert.deepStrictEqual(removedIds(notReady), ["m-2"], "a copy that is not ready goes first, sessions or not");
  });

  it("SPREAD removes from the instance holding the most copies of the component", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(3),
        demands: [demand("m", 3, { strategy: "SPREAD" })],
        current: [copy("m-1", "i-1"), copy("m-2", "i-1", { devices: [1] }), copy("m-3", "i-2"), copy("m-4", "i-3")],
      }),
    );
    t.assert.deepStrictEqual(removedIds(d), ["m-2"]);
  });

  it("BINPACK removes from the least-used instance so that it empties", (t: TestContext) => {
    t.plan(2);
    const d = place(
      input({
        instances: fleet(2),
        demands: [demand("m", 2), demand("other", 1)],
        current: [
          copy("m-1", "i-1"),
          copy("m-2", "i-1", { devices: [1] }),
          copy("other-1", "i-1", { devices: [2] }),
          copy("m-3", "i-2"),
          copy("m-4", "i-2", { devices: [1] }),
        ],
      }),
    );
    t.assert.deepStrictEqual(removedIds(d), ["m-3", "m-4"]);
    t.assert.deepStrictEqual(addedAt(d), []);
  });

  it("removes the newest copy when instances tie, by ordinal rather than by text", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(3),
        demands: [demand("m", 2, { strategy: "SPREAD" })],
        current: [copy("m-1", "i-1"), copy("m-2", "i-2"), copy("m-10", "i-3")],
      }),
    );
    t.assert.deepStrictEqual(removedIds(d), ["m-10"]);
  });

  it("removes a copy on a draining instance before moving it", (t: TestContext) => {
    t.plan(2);
    const d = place(
      input({
        instances: [instance("i-1", { schedulable: false }), instance("i-2")],
        demands: [demand("m", 1)],
        current: [copy("m-1", "i-1"), copy("m-2", "i-2")],
      }),
    );
    t.assert.deepStrictEqual(removedIds(d), ["m-1"]);
    t.assert.deepStrictEqual(addedAt(d), []);
  });

  it("removes every copy when zero are wanted", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: fleet(2), demands: [demand("m", 0)], current: [copy("m-1", "i-1"), copy("m-2", "i-2")] }));
    t.assert.deepStrictEqual(removedIds(d), ["m-1", "m-2"]);
  });
});
