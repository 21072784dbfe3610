import { describe, it, type TestContext } from "node:test";
import { headlineRows } from "../../src/sim/report/table.js";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { allStrategies, boundResult, defaultStrategies, pickStrategies, registerStrategy, type Strategy } from "../../src/sim/strategies/index.js";
import { every, portfolioOf, traceOf } from "./builders.js";

const portfolio = `
models:
  - { name: solo, sizeGB: 4, accelerators: 1, memoryGiB: 8, latency: { fixedMs: 500 }, concurrency: 2, sloMs: 2000, scaling: { maxCopies: 2 } }
endpoint: { instanceType: ml.g5.12xlarge }
mapping: { explicit: { solo: stream-1 } }
simulation: { rateScale: 0.5, seed: 9 }
`;

describe("strategies", () => {
  it("run both dedicated baselines, (b) to (e) and (f) by default, and the optional packing-alone column when named", (t: TestContext) => {
    t.plan(3);
    t.assert.deepStrictEqual(
      defaultStrategies().map((s) => s.key),
      ["a", "a2", "b", "c", "d", "e", "f"],
    );
    t.assert.deepStrictEqual(
      pickStrategies(["packed-peak", "a"]).map((s) => s.key),
      ["p", "a"],
    );
    t.assert.throws(
      () => pickStrategies(["a", "nope"]),
      /unknown strategy 'nope'; choose from a \(dedicated\), a2 \(dedicated-workers\), b \(dedicated-autoscaling\)/,
    );
  });

  it("take a new column by registering one more strategy", async (t: TestContext) => {
    t.plan(4);
    const flat: Strategy = {
      name: "flat-rate-test",
      key: "z",
      label: "(z) flat rate",
      describe: "A made-up column: one instance-hour per simulated hour.",
      // Every demand bin uses one whole instance's accelerators.
      run: (ctx) => boundResult(flat, ctx, new Float64Array(ctx.demand.bins).fill(ctx.template.capacity.accelerators), () => "one instance all the time"),
    };
    registerStrategy(flat);
    t.assert.ok(allStrategies().includes(flat));
    t.assert.throws(() => registerStrategy({ ...flat, name: "another" }), /strategy 'z' is already registered/);
    const sim = simulateLoaded(await portfolioOf(portfolio), traceOf(1800, { "stream-1": every(30, 60) }), { strategies: ["a", "z"] });
    const rows = headlineRows(sim.results);
    t.assert.deepStrictEqual(rows[0], ["", "(a) dedicated, sized for peak", "(z) flat rate"]);
    t.assert.deepStrictEqual(
      rows.find((r) => r[0] === "instance-hours"),
      ["instance-hours", "0.5", "0.5"],
    );
  });

  it("read the portfolio's simulation.rateScale", async (t: TestContext) => {
    t.plan(1);
    t.assert.equal((await portfolioOf(portfolio)).simulation.rateScale, 0.5);
  });
});
