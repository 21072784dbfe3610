import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, fleet, input, instance, res } from "./builders.js";

describe("BINPACK placement", () => {
  it("fills one instance before it uses the next", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: fleet(3), demands: [demand("llm", 5)] }));
    t.assert.deepStrictEqual(addedAt(d), ["llm-1@i-1", "llm-2@i-1", "llm-3@i-1", "llm-4@i-1", "llm-5@i-2"]);
  });

  it("puts each copy on the fullest instance that still fits it", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(3),
        demands: [
          demand("a", 1, { needs: res(1) }),
          demand("b", 1, { needs: res(3, 3000, 3072) }),
          demand("c", 1, { needs: res(1) }),
          demand("d", 1, { needs: res(2) }),
        ],
        current: [copy("a-1", "i-1", { resources: res(1) }), copy("b-1", "i-2", { resources: res(3, 3000, 3072) })],
      }),
    );
    // d (2 devices) no longer fits i-2 and leaves least on i-1; then c (1 device) fills i-2 exactly.
    t.assert.deepStrictEqual(addedAt(d), ["d-1@i-1", "c-1@i-2"]);
  });

  it("breaks a tie between identical instances in favour of the older one", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: [instance("i-b", { order: 2 }), instance("i-a", { order: 7 })], demands: [demand("m", 1)] }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-b"]);
  });

  it("places larger copies first so they still find room", (t: TestContext) => {
    t.plan(2);
    const d = place(
      input({
        instances: fleet(2),
        demands: [demand("small", 4, { needs: res(1) }), demand("large", 1, { needs: res(4) })],
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), ["large-1@i-1", "small-1@i-2", "small-2@i-2", "small-3@i-2", "small-4@i-2"]);
    t.assert.deepStrictEqual(d.unplaced, []);
  });
});
