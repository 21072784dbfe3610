import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

/** One 1-GPU model taking 30 s to start, fed by the stream `<name>-traffic`; `fields` give its latency, concurrency, SLO and scaling. */
const oneModel = (name: string, fields: string) =>
  portfolioOf(`
models:
  - name: ${name}
    sizeGB: 10
    accelerators: 1
    memoryGiB: 20
    startupSeconds: 30
${fields}
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 2, pricePerHour: 10 }
mapping:
  explicit: { ${name}: ${name}-traffic }
`);

describe("faster scale-out in the simulator", () => {
  it("serves a waiting request on whichever copy frees first, not behind the copy it happened to pick", async (t: TestContext) => {
    // Two copies serving one request at a time. A 100 s request holds the first copy; the three 1 s
    // requests after it share the second copy through the model's one queue.
    const portfolio = await oneModel(
      "solo",
      `    latency: { fixedMs: 1000, useTraceDuration: true }
    concurrency: 1
    sloMs: 5000
    scaling: { minCopies: 2, maxCopies: 2 }`,
    );
    const trace = traceOf(300, { "solo-traffic": { arrivals: [0, 1, 1.5, 2], durationMs: [100_000, 1000, 1000, 1000] } });
    const [c] = simulateLoaded(portfolio, trace, { strategies: ["c"] }).results;
    // The 1 s requests wait at most 1 s each (start at 1, 2 and 3 s), so all three are within the 5 s SLO.
    t.assert.equal(c!.withinSlo, 3);
    t.assert.equal(c!.failed, 0);
  });

  it("grows at once for a burst's backlog, keeping more requests within SLO than target tracking alone", async (t: TestContext) => {
    // One copy serves 2 requests/s (4 at once, 2 s each). Every 20 minutes a 90 s burst of 8 requests/s
    // arrives, over a trickle of one request every 10 s. Target tracking needs 6 periods of 10 s above
    // target, plus 30 s of startup, so its copies come when the burst is nearly over.
    const portfolio = await oneModel(
      "bursty",
      `    latency: { fixedMs: 2000 }
    concurrency: 4
    sloMs: 10000
    scaling: { minCopies: 1, maxCopies: 8, targetConcurrencyPerCopy: 2, scaleOutCooldownS: 60, scaleInCooldownS: 300 }`,
    );
    const hours = 3;
    const arrivals = every(10, hours * 360);
    for (let start = 600; start < hours * 3600; start += 1200) arrivals.push(...every(0.125, 720, start));
    arrivals.sort((a, b) => a - b);
    const trace = traceOf(hours * 3600, { "bursty-traffic": arrivals });
    const [grown] = simulateLoaded(portfolio, trace, { strategies: ["d"] }).results;
    const [tracked] = simulateLoaded(portfolio, trace, { strategies: ["d"], growOnBacklog: false }).results;
    const share = (r: typeof grown) => r!.withinSlo / r!.requests;
    t.diagnostic(
      `within SLO: ${(100 * share(grown)).toFixed(2)}% with immediate growth, ${(100 * share(tracked)).toFixed(2)}% with target tracking alone; ` +
        `failed: ${grown!.failed} against ${tracked!.failed}; GPU-hours: ${grown!.gpuHours.toFixed(1)} against ${tracked!.gpuHours.toFixed(1)}`,
    );
    t.assert.ok(share(grown) > share(tracked), "immediate growth keeps more requests within SLO");
    t.assert.ok(grown!.failed < tracked!.failed, "and fails fewer");
  });
});
