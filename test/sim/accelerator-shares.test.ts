import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

/** Two small models on ml.g5.xlarge (one 24 GiB A10G), with or without a share of the device each. */
function portfolio(share: string, fixedMs = 100, sloMs = 2000): string {
  return `
models:
  - { name: one, sizeGB: 4, accelerators: 1, ${share} memoryGiB: 4, latency: { fixedMs: ${fixedMs} }, sloMs: ${sloMs}, scaling: { maxCopies: 1 } }
  - { name: two, sizeGB: 4, accelerators: 1, ${share} memoryGiB: 4, latency: { fixedMs: ${fixedMs} }, sloMs: ${sloMs}, scaling: { maxCopies: 1 } }
endpoint: { instanceType: ml.g5.xlarge }
mapping: { explicit: { one: stream-1, two: stream-2 } }
`;
}

/** Each model's slowest request (ms, rounded to 100: the latency histogram is finer) and how many kept the 5 s SLO, with two's requests `offset` s after one's. */
async function contention(share: string, offset: number) {
  const trace = traceOf(600, { "stream-1": every(10, 50), "stream-2": every(10, 50, offset) });
  const result = simulateLoaded(await portfolioOf(portfolio(share, 4000, 5000)), trace, { strategies: ["packed-peak"] }).results[0]!;
  return { p99Ms: Math.round(result.p99E2eMs! / 100) * 100, withinSlo: result.withinSlo, requests: result.requests };
}

describe("fractional accelerators in the simulator", () => {
  it("packs two models that each ask for part of one device onto one instance, through the server's scheduler", async (t: TestContext) => {
    t.plan(2);
    const trace = traceOf(600, { "stream-1": every(10, 60), "stream-2": every(10, 60, 5) });
    const peak = async (share: string) => simulateLoaded(await portfolioOf(portfolio(share)), trace, { strategies: ["packed-peak"] }).results[0]!.peakInstances;
    t.assert.strictEqual(await peak(""), 2, "whole devices: one instance per model");
    t.assert.strictEqual(await peak("acceleratorMemoryGiB: 10,"), 1, "10 GiB shares: both on one device");
  });

  it("refuses a share larger than one device of the endpoint's type, or too small for the weights", async (t: TestContext) => {
    t.plan(2);
    await t.assert.rejects(portfolioOf(portfolio("acceleratorMemoryGiB: 30,")), /30 GiB is more than one accelerator of the endpoint has \(24 GiB\)/);
    await t.assert.rejects(portfolioOf(portfolio("acceleratorMemoryGiB: 2,")), /4 GB of weights do not fit in a 2 GiB share/);
  });

  it("slows a request that starts while its neighbour on the same device is busy; an idle neighbour costs nothing", async (t: TestContext) => {
    t.plan(3);
    const share = "acceleratorMemoryGiB: 10,";
    // two's 4 s requests start 1 s into one's: the device serves both, so two's run at half speed.
    t.assert.deepStrictEqual(
      await contention(share, 1),
      { p99Ms: 8000, withinSlo: 50, requests: 100 },
      "two's requests take twice as long and miss the 5 s SLO",
    );
    t.assert.deepStrictEqual(await contention(share, 5), { p99Ms: 4000, withinSlo: 100, requests: 100 }, "one's requests have finished when two's start");
    t.assert.deepStrictEqual(await contention("", 1), { p99Ms: 4000, withinSlo: 100, requests: 100 }, "copies on whole devices of their own run at full speed");
  });
});
