import { describe, it, type TestContext } from "node:test";
import { readTrace } from "../../../src/sim/input/index.js";
import { sharedTrace } from "./paths.js";

describe("the shared public traces", () => {
  it("reads both Azure LLM services with the README's row counts and rates", async (t: TestContext) => {
    t.plan(6);
    const trace = await readTrace(sharedTrace("azure-llm-2023"));
    t.assert.equal(trace.format, "azure-llm");
    t.assert.deepStrictEqual(
      trace.streams.map((s) => [s.id, s.stats.count]),
      [
        ["code", 8819],
        ["conv", 19366],
      ],
    );
    const conv = trace.streams[1];
    t.assert.ok(Math.abs(conv.stats.meanRatePerS - 5.53) < 0.05, `conv mean rate ${conv.stats.meanRatePerS}`);
    t.assert.equal(conv.stats.peakRatePerS60, 8.45);
    t.assert.equal(conv.inputTokens?.length, 19366);
    t.assert.equal(trace.streams[0].outputTokens?.[0], 10);
  });

  it("reads the Azure LLM code file alone with its 60 s peak from the README", async (t: TestContext) => {
    t.plan(2);
    const trace = await readTrace(sharedTrace("azure-llm-2023/AzureLLMInferenceTrace_code.csv"));
    t.assert.equal(trace.totalRequests, 8819);
    t.assert.equal(trace.streams[0].stats.peakRatePerS60, 10.533333333333333);
  });

  it("reads the Mooncake conversation trace with prefix blocks", async (t: TestContext) => {
    t.plan(5);
    const trace = await readTrace(sharedTrace("mooncake-fast25/conversation_trace.jsonl"));
    const s = trace.streams[0];
    t.assert.equal(trace.format, "mooncake");
    t.assert.equal(s.stats.count, 12031);
    t.assert.ok(Math.abs(trace.durationS - 3537) < 1, `duration ${trace.durationS}`);
    t.assert.equal(s.prefixBlocks?.ids.length, 288500);
    t.assert.equal(new Set(s.prefixBlocks?.ids).size, 182790);
  });

  it("expands the 500-function Azure Functions sample to exactly its invocation count", async (t: TestContext) => {
    t.plan(5);
    const trace = await readTrace(sharedTrace("azure-functions-2019-sample500"));
    t.assert.equal(trace.streams.length, 500);
    t.assert.equal(trace.totalRequests, 3037902);
    t.assert.equal(trace.durationS, 480 * 60);
    const top = [...trace.streams].sort((a, b) => b.stats.count - a.stats.count)[0];
    t.assert.ok(
      top.stats.count / trace.totalRequests > 0.62 && top.stats.count / trace.totalRequests < 0.64,
      "the top function has about 63 % of all invocations",
    );
    t.assert.deepStrictEqual(trace.notes, []);
  });

  it("finds 162, 43, 35 and 73 ServeGen clients in the four groups (first 10 minutes expanded)", async (t: TestContext) => {
    t.plan(2);
    const trace = await readTrace(sharedTrace("servegen"), { durationS: 600 });
    const perGroup = new Map<string, number>();
    for (const s of trace.streams) perGroup.set(String(s.attributes.group), (perGroup.get(String(s.attributes.group)) ?? 0) + 1);
    t.assert.deepStrictEqual(Object.fromEntries(perGroup), {
      "language-m-large-first72h": 162,
      "language-m-small": 43,
      "multimodal-mm-image": 35,
      "reason-deepseek-r1": 73,
    });
    t.assert.ok(trace.totalRequests > 0);
  });

  it("replays one ServeGen group over a day at its stated total rate", async (t: TestContext) => {
    t.plan(2);
    const trace = await readTrace(sharedTrace("servegen/reason-deepseek-r1"), { seed: 3 });
    const expected = trace.streams.reduce((sum, s) => sum + Number(s.attributes.expectedRequests), 0);
    t.assert.equal(trace.streams.length, 73);
    t.assert.ok(Math.abs(trace.totalRequests / expected - 1) < 0.02, `${trace.totalRequests} arrivals for ${expected} expected`);
  });
});
