import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

/** Two models on ml.g5.xlarge (one 24 GiB A10G); with `share`, both copies hold 10 GiB of that one device. */
function portfolio(share: string): string {
  return `
models:
  - { name: one, sizeGB: 4, accelerators: 1, ${share} memoryGiB: 4, latency: { fixedMs: 4000 }, sloMs: 5000, scaling: { maxCopies: 1 } }
  - { name: two, sizeGB: 4, accelerators: 1, ${share} memoryGiB: 4, latency: { fixedMs: 4000 }, sloMs: 5000, scaling: { maxCopies: 1 } }
endpoint: { instanceType: ml.g5.xlarge }
mapping: { explicit: { one: stream-1, two: stream-2 } }
`;
}

/** Per model, the slowest request (ms) and how many kept the 5 s SLO, with `two`'s requests `offset` seconds after `one`'s. */
async function run(share: string, offset: number) {
  const trace = traceOf(600, { "stream-1": every(10, 50), "stream-2": every(10, 50, offset) });
  const result = simulateLoaded(await portfolioOf(portfolio(share)), trace, { strategies: ["packed-peak"] }).results[0]!;
  // Rounded to 100 ms: the latency histogram's buckets are finer than that.
  return { p99Ms: Math.round(result.p99E2eMs! / 100) * 100, withinSlo: result.withinSlo, requests: result.requests };
}

describe("copies sharing one accelerator share its compute", () => {
  it("slows a request that starts while its neighbour on the device is busy, and costs nothing when the neighbour is idle", async (t: TestContext) => {
    t.plan(3);
    const share = "acceleratorMemoryGiB: 10,";
    // two's requests start 1 s into one's 4 s requests: the device serves both, each at half speed.
    const overlapping = await run(share, 1);
    t.assert.deepStrictEqual(overlapping, { p99Ms: 8000, withinSlo: 50, requests: 100 }, "two's requests take twice as long and miss the 5 s SLO");
    // two's requests start after one's have finished: no neighbour is busy, full speed.
    t.assert.deepStrictEqual(await run(share, 5), { p99Ms: 4000, withinSlo: 100, requests: 100 }, "an idle neighbour costs nothing");
    // Whole devices (one instance each) never share compute.
    t.assert.deepStrictEqual(await run("", 1), { p99Ms: 4000, withinSlo: 100, requests: 100 }, "copies on their own devices run at full speed");
  });
});
