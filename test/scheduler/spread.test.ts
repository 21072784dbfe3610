import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, fleet, input, res } from "./builders.js";

describe("SPREAD placement", () => {
  it("puts copies of one component on different instances", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: fleet(3), demands: [demand("m", 3, { strategy: "SPREAD" })] }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-1", "m-2@i-2", "m-3@i-3"]);
  });

  it("stacks a second copy on an instance only once every instance holds one", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: fleet(2), demands: [demand("m", 3, { strategy: "SPREAD" })] }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-1", "m-2@i-2", "m-3@i-1"]);
  });

  it("prefers the busiest instance without a copy, so components share instances", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(3),
        demands: [demand("other", 1), demand("m", 2, { strategy: "SPREAD" })],
        current: [copy("other-1", "i-2")],
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-2", "m-2@i-1"]);
  });

  it("skips an instance where the copy does not fit", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(3),
        demands: [demand("full", 1, { needs: res(4) }), demand("m", 2, { strategy: "SPREAD" })],
        current: [copy("full-1", "i-1", { resources: res(4) })],
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-2", "m-2@i-3"]);
  });
});
