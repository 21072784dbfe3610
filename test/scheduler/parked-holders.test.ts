import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import { addedAt, demand, fleet, input } from "./builders.js";

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
