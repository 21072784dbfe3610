import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { portfolioOf, traceOf } from "./builders.js";

/** One 20 GB model that scales to zero on an instance that stays (minInstances 1); remote weights load at 1 GB/s. */
function portfolio(weightCache: string): string {
  return `
models:
  - name: gamma
    sizeGB: 20
    accelerators: 1
    memoryGiB: 20
    startup: { loadGBps: 1, fixedSeconds: 10 }
    latency: { fixedMs: 1000 }
    concurrency: 1
    sloMs: 60000
    scaling: { maxCopies: 1, scaleToZero: true }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 1, pricePerHour: 36${weightCache} }
mapping: { explicit: { gamma: gamma-traffic } }
`;
}

/** The second request arrives at zero copies (the copy went at 910 s) and waits for the woken copy to load. */
async function wakeLatencyMs(weightCache: string): Promise<number> {
  const sim = simulateLoaded(await portfolioOf(portfolio(weightCache)), traceOf(3600, { "gamma-traffic": [5, 2000] }), { strategies: ["d"] });
  return sim.results[0].p99Ms;
}

describe("the simulator's cold start follows where the weights are", () => {
  it("loads from the remote store, the instance's disk cache or its host memory at the portfolio's rates", async (t: TestContext) => {
    t.plan(4);
    const remote = await wakeLatencyMs(", weightCache: { diskBudgetGB: 0 }");
    const disk = await wakeLatencyMs("");
    const memory = await wakeLatencyMs(", weightCache: { memoryBudgetGB: 20 }");
    // Hand-worked load times: fixed 10 s + 20 GB at 1 GB/s (remote), 4 GB/s (disk default), 12 GB/s (memory default).
    t.assert.ok(remote > disk && disk > memory, `remote ${remote} ms > disk ${disk} ms > memory ${memory} ms`);
    t.assert.ok(remote - disk >= 15_000 - 1_000 && remote - disk <= 15_000 + 1_000, `remote − disk ≈ 20 − 5 = 15 s, got ${remote - disk} ms`);
    t.assert.ok(disk - memory >= 3_333 - 1_000 && disk - memory <= 3_333 + 1_000, `disk − memory ≈ 5 − 1.67 s, got ${disk - memory} ms`);
    const slow = await wakeLatencyMs(", weightCache: { diskGBps: 2 }");
    t.assert.ok(slow - disk >= 5_000 - 1_000 && slow - disk <= 5_000 + 1_000, `a 2 GB/s disk loads 20 GB 5 s slower, got ${slow - disk} ms`);
  });
});
