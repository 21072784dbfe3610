import { describe, it, type TestContext } from "node:test";
import { fits, freeResources, insufficient } from "../../src/scheduler/index.js";
import { copy, instance, res } from "./builders.js";

describe("fit check", () => {
  it("fits when every resource is covered, including an exact fit", (t: TestContext) => {
    t.plan(2);
    t.assert.equal(fits(res(2, 1000, 1024), res(2, 1000, 1024)), true);
    t.assert.equal(fits(res(2, 1000, 1024), res(2, 1001, 1024)), false);
  });

  it("lists each short resource with what is needed and what is free", (t: TestContext) => {
    t.plan(1);
    t.assert.deepStrictEqual(insufficient(res(1, 4000, 1024), res(2, 1000, 2048)), [
      { resource: "accelerators", needed: 2, free: 1 },
      { resource: "memoryMiB", needed: 2048, free: 1024 },
    ]);
  });

  it("counts only device indices nobody holds as free accelerators", (t: TestContext) => {
    t.plan(1);
    const inst = instance("i-1", { capacity: res(4, 8000, 8192) });
    const copies = [copy("m-1", "i-1", { resources: res(1), devices: [0, 1] }), copy("m-2", "i-2")];
    t.assert.deepStrictEqual(freeResources(inst, copies), res(2, 7000, 7168));
  });
});
