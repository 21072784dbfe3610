import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { checkHostile } from "../support/hostile/property.js";
import { runtimeRequests } from "../support/hostile/runtime-requests.js";
import { seedResources, type SeededResources } from "../support/hostile/seeded-resources.js";
import { StoredState } from "../support/hostile/stored-state.js";

describe("hostile input to the SageMaker Runtime API", () => {
  let berth: BerthProcess;
  let seeded: SeededResources;
  let state: StoredState;
  before(async () => {
    berth = await startBerth();
    seeded = await seedResources(berth);
    state = new StoredState(berth.dataDir);
  });
  after(async () => {
    state.close();
    assert.equal(await berth.stop(), 0, "the server shut down cleanly after the hostile input");
  });

  it("answers odd paths, headers, bodies and methods below 500, with the model copy reached and state unchanged", async (t) => {
    const tally = await checkHostile({
      berth,
      requests: runtimeRequests({ endpoint: seeded.endpoint, component: seeded.component }),
      cases: 2000,
      state,
      report: (line) => t.diagnostic(line),
    });
    assert.ok(tally.accepted > 0, "some invocations reached the echo copy and were answered");
  });
});
