import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { ControlRequests } from "../support/hostile/control-requests.js";
import { checkHostile } from "../support/hostile/property.js";
import { rawControlRequests } from "../support/hostile/raw-requests.js";
import { seedResources } from "../support/hostile/seeded-resources.js";
import { StoredState } from "../support/hostile/stored-state.js";

const maxBodyBytes = 2 * 1024 * 1024;

describe("hostile input to the control-plane APIs (SageMaker, Application Auto Scaling, CloudWatch)", () => {
  let berth: BerthProcess;
  let state: StoredState;
  let requests: ControlRequests;
  before(async () => {
    berth = await startBerth();
    requests = new ControlRequests({ pools: (await seedResources(berth)).pools, maxBodyBytes });
    state = new StoredState(berth.dataDir);
  });
  after(async () => {
    state.close();
    assert.equal(await berth.stop(), 0, "the server shut down cleanly after the hostile input");
  });

  it("covers every operation the three services serve", () => {
    assert.equal(requests.operations.length, 50, requests.operations.join(", "));
  });

  it("refuses every input the service model forbids at the shape check, and changes nothing", async (t) => {
    const tally = await checkHostile({ berth, requests: requests.forbidden(), cases: 4000, state, report: (line) => t.diagnostic(line) });
    assert.equal(tally.accepted, 0);
  });

  it("answers malformed bodies, content types, targets, methods and gzip bodies with a clear 4xx, and changes nothing", async (t) => {
    await checkHostile({ berth, requests: rawControlRequests({ maxBodyBytes }), cases: 1500, state, report: (line) => t.diagnostic(line) });
  });
});
