import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

/** Two small models on ml.g5.xlarge (one 24 GiB A10G), with or without a share of the device each. */
function portfolio(share: string): string {
  return `
models:
  - { name: one, sizeGB: 4, accelerators: 1, ${share} memoryGiB: 4, latency: { fixedMs: 100 }, sloMs: 2000, scaling: { maxCopies: 1 } }
  - { name: two, sizeGB: 4, accelerators: 1, ${share} memoryGiB: 4, latency: { fixedMs: 100 }, sloMs: 2000, scaling: { maxCopies: 1 } }
endpoint: { instanceType: ml.g5.xlarge }
mapping: { explicit: { one: stream-1, two: stream-2 } }
`;
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
});
