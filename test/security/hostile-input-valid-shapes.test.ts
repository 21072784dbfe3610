import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { ControlRequests } from "../support/hostile/control-requests.js";
import { checkHostile } from "../support/hostile/property.js";
import { seedResources } from "../support/hostile/seeded-resources.js";

describe("valid-shaped and model-allowed input to the control-plane APIs", () => {
  let berth: BerthProcess;
  let requests: ControlRequests;
  before(async () => {
    berth = await startBerth();
    requests = new ControlRequests({ pools: (await seedResources(berth)).pools, maxBodyBytes: 2 * 1024 * 1024 });
  });
  after(async () => {
    assert.equal(await berth.stop(), 0, "the server shut down cleanly after the generated input");
  });

  // Accepted requests here create, update and delete resources (names come from a small pool, so they cannot
  // pile up), which starts background work; the unchanged-state check belongs to the refused-input suites.
  it("answers every valid-shaped input, unknown member and in-range edge value below 500, and stays up", async (t) => {
    const tally = await checkHostile({ berth, requests: requests.allowed(), cases: 2500, report: (line) => t.diagnostic(line) });
    assert.ok(tally.accepted > 0, "some generated inputs were accepted, so the operations themselves ran");
  });
});
