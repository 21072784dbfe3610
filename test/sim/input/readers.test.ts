import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { readTrace } from "../../../src/sim/input/index.js";
import { fixtures } from "./paths.js";

describe("trace readers on small fixtures", () => {
  it("reads a folder of Azure LLM files as one stream per file on a shared clock", async (t: TestContext) => {
    t.plan(6);
    const trace = await readTrace(join(fixtures, "azure-llm"));
    t.assert.deepStrictEqual(
      trace.streams.map((s) => s.id),
      ["tiny", "other"],
    );
    const [tiny, other] = trace.streams;
    t.assert.deepStrictEqual([...tiny.arrivals], [1, 1.5, 2.25, 66, 121]);
    t.assert.deepStrictEqual([...other.arrivals], [0, 31]);
    t.assert.deepStrictEqual([...(tiny.inputTokens ?? [])], [100, 200, 300, 400, 500]);
    t.assert.deepStrictEqual([...(tiny.outputTokens ?? [])], [10, 20, 30, 40, 50]);
    // The window ends 1 ms after the last request (at 121 s), so that request is replayed too.
    t.assert.equal(trace.durationS, 121.001);
  });

  it("reads Mooncake timestamps in ms, token lengths and prefix blocks", async (t: TestContext) => {
    t.plan(5);
    const trace = await readTrace(join(fixtures, "mooncake", "tiny_trace.jsonl"));
    const s = trace.streams[0];
    t.assert.equal(s.id, "tiny_trace");
    t.assert.deepStrictEqual([...s.arrivals], [0, 0.25, 1, 61.5]);
    t.assert.deepStrictEqual([...(s.inputTokens ?? [])], [600, 1100, 20, 520]);
    t.assert.deepStrictEqual([...(s.prefixBlocks?.offsets ?? [])], [0, 2, 5, 5, 6]);
    t.assert.deepStrictEqual([...(s.prefixBlocks?.ids ?? [])], [0, 1, 0, 2, 3, 4]);
  });

  it("leaves Mooncake prefix blocks out when asked", async (t: TestContext) => {
    t.plan(1);
    const trace = await readTrace(join(fixtures, "mooncake"), { prefixBlocks: false });
    t.assert.equal(trace.streams[0].prefixBlocks, undefined);
  });

  it("spreads each minute's Azure Functions count inside that minute, with durations and memory", async (t: TestContext) => {
    t.plan(9);
    const trace = await readTrace(join(fixtures, "functions"));
    t.assert.deepStrictEqual(
      trace.streams.map((s) => [s.id, s.stats.count]),
      [
        ["f-busy", 45],
        ["f-rare", 2],
        ["f-idle", 0],
      ],
    );
    const busy = trace.streams[0];
    const perMinute = [0, 0, 0, 0, 0];
    for (const t0 of busy.arrivals) perMinute[Math.floor(t0 / 60)]++;
    t.assert.deepStrictEqual(perMinute, [10, 0, 25, 3, 7]);
    t.assert.ok(
      busy.arrivals.every((x, i) => i === 0 || busy.arrivals[i - 1] <= x),
      "arrivals are sorted",
    );
    t.assert.ok(
      busy.durationMs?.every((d) => d >= 10 && d <= 900),
      "durations stay inside the percentile range",
    );
    t.assert.deepStrictEqual([...(trace.streams[1].durationMs ?? [])], [2000, 2000]);
    t.assert.deepStrictEqual(busy.attributes, { owner: "o1", app: "a1", trigger: "http", avgDurationMs: 100, memoryMb: 128 });
    t.assert.equal(trace.durationS, 300);
    t.assert.equal(busy.stats.peakRatePerS60, 25 / 60);
    t.assert.deepStrictEqual(trace.notes, ["1 of 3 functions have no row in durations.csv; their streams carry no durationMs"]);
  });

  it("reads a ServeGen group folder, a top folder of groups, or one client file", async (t: TestContext) => {
    t.plan(3);
    const group = await readTrace(join(fixtures, "servegen", "group-a"));
    t.assert.deepStrictEqual(
      group.streams.map((s) => s.id),
      ["group-a/chunk-0", "group-a/chunk-3"],
    );
    const top = await readTrace(join(fixtures, "servegen"));
    t.assert.deepStrictEqual(
      top.streams.map((s) => s.id),
      ["group-a/chunk-0", "group-a/chunk-3", "group-b/chunk-1"],
    );
    const one = await readTrace(join(fixtures, "servegen", "group-b", "chunk-1-trace.csv"));
    t.assert.equal(one.durationS, 2400);
  });

  it("puts no ServeGen arrival in a window without requests", async (t: TestContext) => {
    t.plan(2);
    const trace = await readTrace(join(fixtures, "servegen", "group-a"), { seed: 5 });
    const chunk3 = trace.streams[1].arrivals;
    t.assert.ok(
      chunk3.every((x) => x < 600 || x >= 1800),
      "windows 600-1800 have rate 0",
    );
    t.assert.ok(
      trace.streams[0].arrivals.every((x) => x >= 600),
      "the first window of chunk-0 is empty",
    );
  });
});
