import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { readTrace } from "../../../src/sim/input/index.js";
import { expandClient } from "../../../src/sim/input/readers/servegen-expand.js";
import type { ClientWindows } from "../../../src/sim/input/readers/servegen-windows.js";
import { fixtures } from "./paths.js";

const functions = join(fixtures, "functions");
const servegen = join(fixtures, "servegen");

function windows(rates: number[], family: "Gamma" | "Weibull", shape: number): ClientWindows {
  const n = rates.length;
  return {
    id: "test/chunk-0",
    group: "test",
    client: 0,
    starts: Float64Array.from(rates, (_, i) => i * 600),
    ends: Float64Array.from(rates, (_, i) => (i + 1) * 600),
    rates: Float64Array.from(rates),
    families: rates.map((r) => (r > 0 ? family : null)),
    shapes: new Float64Array(n).fill(shape),
    rateWithoutFit: 0,
  };
}

describe("expanding rate traces into arrivals", () => {
  it("gives identical arrivals for the same seed and different ones for another seed", async (t: TestContext) => {
    t.plan(4);
    for (const path of [functions, servegen]) {
      const a = await readTrace(path, { seed: 11 });
      const b = await readTrace(path, { seed: 11 });
      const c = await readTrace(path, { seed: 12 });
      t.assert.deepStrictEqual(
        a.streams.map((s) => [...s.arrivals]),
        b.streams.map((s) => [...s.arrivals]),
      );
      t.assert.notDeepStrictEqual(
        a.streams.map((s) => [...s.arrivals]),
        c.streams.map((s) => [...s.arrivals]),
      );
    }
  });

  it("keeps the rate at ServeGen's smallest fitted shapes, and stops an expansion whose clock no longer advances", (t: TestContext) => {
    t.plan(3);
    const rates = Array.from({ length: 200 }, () => 1);
    for (const [family, shape] of [
      ["Weibull", 0.16],
      ["Gamma", 0.00999],
    ] as const) {
      const arrivals = expandClient(windows(rates, family, shape), 0, Infinity, 1, 3);
      t.assert.ok(Math.abs(arrivals.length / 120_000 - 1) < 0.25, `${family} ${shape}: ${arrivals.length} arrivals for 120,000 expected`);
    }
    // Below the bounds the reader refuses: Weibull 0.005 overflows its normalisation and every gap is 0.
    t.assert.throws(
      () => expandClient(windows(rates, "Weibull", 0.005), 0, Infinity, 1, 3, "chunk-0-trace.csv"),
      /^RangeError: chunk-0-trace\.csv: its windows drew [\d,]+ arrivals where their rates give about 120,000; their inter-arrival shapes \(column 5\) are too extreme to replay/,
    );
  });

  it("cuts an Azure Functions window out of the same arrivals the full expansion has", async (t: TestContext) => {
    t.plan(2);
    const full = await readTrace(functions, { seed: 4 });
    const cut = await readTrace(functions, { seed: 4, startS: 90, durationS: 120 });
    const expected = [...full.streams[0].arrivals].filter((x) => x >= 90 && x < 210).map((x) => x - 90);
    t.assert.deepStrictEqual([...cut.streams[0].arrivals], expected);
    t.assert.equal(cut.durationS, 120);
  });

  it("keeps each ServeGen window's mean rate over many bursty Gamma windows", (t: TestContext) => {
    t.plan(2);
    const rates = Array.from({ length: 300 }, (_, i) => [0.2, 0.5, 1, 0][i % 4]);
    const arrivals = expandClient(windows(rates, "Gamma", 0.3), 0, Infinity, 1, 9);
    const expected = rates.reduce((sum, r) => sum + r * 600, 0);
    t.assert.ok(Math.abs(arrivals.length / expected - 1) < 0.05, `${arrivals.length} arrivals for ${expected} expected`);
    const perRate = new Map<number, number>();
    for (const x of arrivals) {
      const rate = rates[Math.floor(x / 600)];
      perRate.set(rate, (perRate.get(rate) ?? 0) + 1);
    }
    const ratios = [0.2, 0.5, 1].map((r) => (perRate.get(r) ?? 0) / (r * 600 * 75));
    t.assert.ok(ratios.every((q) => Math.abs(q - 1) < 0.1) && !perRate.has(0), `per-rate ratios ${ratios.join(", ")}`);
  });

  it("keeps the mean rate for Weibull windows whatever the fitted scale says", (t: TestContext) => {
    t.plan(1);
    const rates = Array.from({ length: 200 }, () => 0.8);
    const arrivals = expandClient(windows(rates, "Weibull", 0.5), 0, Infinity, 1, 2);
    t.assert.ok(Math.abs(arrivals.length / (0.8 * 600 * 200) - 1) < 0.05, `${arrivals.length} arrivals`);
  });

  it("produces bursts: gaps with the window's coefficient of variation", (t: TestContext) => {
    t.plan(1);
    const arrivals = expandClient(
      windows(
        Array.from({ length: 100 }, () => 2),
        "Gamma",
        0.25,
      ),
      0,
      Infinity,
      1,
      3,
    );
    const gaps = arrivals.slice(1).map((x, i) => x - arrivals[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    t.assert.ok(Math.abs(sd / mean - 2) < 0.2, `CV ${sd / mean}, expected 1/sqrt(0.25) = 2`);
  });

  it("scales ServeGen and Azure Functions rates with rateScale", async (t: TestContext) => {
    t.plan(2);
    const rates = Array.from({ length: 100 }, () => 1);
    const doubled = expandClient(windows(rates, "Gamma", 1), 0, Infinity, 2, 1);
    t.assert.ok(Math.abs(doubled.length / 120_000 - 1) < 0.03, `${doubled.length} arrivals`);
    const half = await readTrace(functions, { rateScale: 0.5 });
    t.assert.ok(Math.abs(half.streams[0].stats.count - 22.5) <= 3, `${half.streams[0].stats.count} of 45 × 0.5`);
  });

  it("compresses time with speedup and thins per-request traces with rateScale below 1", async (t: TestContext) => {
    t.plan(3);
    const fast = await readTrace(join(fixtures, "mooncake"), { speedup: 2 });
    t.assert.deepStrictEqual([...fast.streams[0].arrivals], [0, 0.125, 0.5, 30.75]);
    // The window runs 1 ms past the last request (61.5 s), then at twice the speed.
    t.assert.equal(fast.durationS, (61.5 + 0.001) / 2);
    await t.assert.rejects(readTrace(join(fixtures, "mooncake"), { rateScale: 2 }), /cannot add requests to a per-request trace; use speedup/);
  });

  it("refuses a window longer than a year before the engine walks its 10 s steps", async (t: TestContext) => {
    t.plan(3);
    const century = join(fixtures, "bad", "azure-llm-century.csv");
    await t.assert.rejects(
      readTrace(century),
      new RangeError(
        `${century}: the window to simulate is 36,524 days long (from 0 s, 3,155,673,601 s of the trace), more than the 365 days the simulator replays; simulate part of it with --duration (and --start)`,
      ),
    );
    t.assert.equal((await readTrace(century, { durationS: 86_400 })).totalRequests, 1);
    await t.assert.rejects(
      readTrace(join(fixtures, "mooncake"), { speedup: 1e-9 }),
      /the window to simulate is 711,817\.1 days long \(from 0 s, 62 s of the trace, slowed down by --speedup 1e-9\), .*, or a larger --speedup$/,
    );
  });

  it("keeps only the busiest streams with maxStreams and reports what it dropped", async (t: TestContext) => {
    t.plan(2);
    const trace = await readTrace(functions, { maxStreams: 1 });
    t.assert.deepStrictEqual(
      trace.streams.map((s) => s.id),
      ["f-busy"],
    );
    t.assert.deepStrictEqual(trace.dropped, { streams: 2, requests: 2 });
  });

  it("refuses to expand more arrivals than maxArrivals allows", async (t: TestContext) => {
    t.plan(1);
    await t.assert.rejects(readTrace(functions, { maxArrivals: 10 }), /would give about 47 arrivals, more than maxArrivals \(10\)\. Cut a window/);
  });
});
