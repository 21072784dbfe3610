import { describe, it, type TestContext } from "node:test";
import { place } from "../../src/scheduler/index.js";
import type { SchedulerInstance } from "../../src/scheduler/index.js";
import { addedAt, copy, demand, fleet, input, instance, res } from "./builders.js";

const url = "http://models.internal/m.tar.gz";

function withArtifact(d: ReturnType<typeof demand>) {
  return { ...d, artifact: url };
}

describe("placement prefers an instance that holds the component's artifact", () => {
  it("starts a copy from zero on the instance that holds the artifact, not the older empty one", (t: TestContext) => {
    t.plan(2);
    const d = place(input({ instances: fleet(3), demands: [withArtifact(demand("m", 1))], holders: { [url]: ["i-3"] } }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-3"]);
    const without = place(input({ instances: fleet(3), demands: [demand("m", 1)], holders: { [url]: ["i-3"] } }));
    t.assert.deepStrictEqual(addedAt(without), ["m-1@i-1"], "a demand naming no artifact places as before");
  });

  it("prefers a holder with the artifact in host memory over one with it on disk, over none", (t: TestContext) => {
    t.plan(2);
    const holders = { [url]: ["i-2", "i-3"] };
    const d = place(input({ instances: fleet(3), demands: [withArtifact(demand("m", 1))], holders, memoryHolders: { [url]: ["i-3"] } }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-3"]);
    const diskOnly = place(input({ instances: fleet(3), demands: [withArtifact(demand("m", 1))], holders }));
    t.assert.deepStrictEqual(addedAt(diskOnly), ["m-1@i-2"], "among disk holders alike, the older");
  });

  it("takes the tightest fit among holders under BINPACK", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(3),
        demands: [demand("other", 2), withArtifact(demand("m", 1))],
        current: [copy("other-1", "i-3"), copy("other-2", "i-3", { devices: [1] })],
        holders: { [url]: ["i-2", "i-3"] },
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-3"]);
  });

  it("never over-commits a holder: a copy that does not fit there goes where the strategy puts it", (t: TestContext) => {
    t.plan(1);
    const d = place(
      input({
        instances: fleet(2),
        demands: [demand("other", 1, { needs: res(4) }), withArtifact(demand("m", 1))],
        current: [copy("other-1", "i-2", { resources: res(4), devices: [0, 1, 2, 3] })],
        holders: { [url]: ["i-2"] },
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-1"]);
  });

  it("keeps SPREAD's rule: a second copy goes to an instance without one, holder or not", (t: TestContext) => {
    t.plan(1);
    const d = place(input({ instances: fleet(3), demands: [withArtifact(demand("m", 2, { strategy: "SPREAD" }))], holders: { [url]: ["i-3"] } }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-3", "m-2@i-1"]);
  });

  it("ignores a draining holder and holders outside the pool", (t: TestContext) => {
    t.plan(1);
    const instances = fleet(2).map((i) => (i.id === "i-2" ? { ...i, schedulable: false } : i));
    const d = place(input({ instances, demands: [withArtifact(demand("m", 1))], holders: { [url]: ["i-2", "i-9"] } }));
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-1"]);
  });

  it("takes a holder for a device share only where one of its devices has room for the share", (t: TestContext) => {
    t.plan(1);
    const gpu = (id: string): SchedulerInstance => ({ ...instance(id, { capacity: res(1, 16_000, 65_536) }), deviceMemoryMiB: [24_576] });
    const whole = { ...copy("other-1", "i-2", { resources: res(0), devices: [0] }), share: { memoryMiB: 20_000 } };
    const d = place(
      input({
        instances: [gpu("i-1"), gpu("i-2")],
        demands: [
          { ...demand("other", 1, { needs: res(0) }), share: { memoryMiB: 20_000 } },
          { ...withArtifact(demand("m", 1, { needs: res(0) })), share: { memoryMiB: 12_000 } },
        ],
        current: [whole],
        holders: { [url]: ["i-2"] },
      }),
    );
    t.assert.deepStrictEqual(addedAt(d), ["m-1@i-1"], "i-2's device has 4,576 MiB left, too little for a 12,000 MiB share");
  });
});
