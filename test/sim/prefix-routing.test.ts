import { describe, it, type TestContext } from "node:test";
import { simulateLoaded } from "../../src/sim/simulate.js";
import { every, portfolioOf, traceOf } from "./builders.js";

/**
 * One LLM with four copies (c: a shared pool at its fixed size). A request takes 2 s, the first 1 s of it its
 * prefill; 90% of requests start with one of 8 system prompts that make up 90% of that prefill, and each copy's
 * cache keeps 2 of them. A request whose prompt is cached reaches its first token in 0.19 s, others in 1 s.
 */
const chat = (routing: string, sharing = "prefixSharing: { requestShare: 0.9, prefillShare: 0.9, prefixes: 8, cachedPerCopy: 2 }") =>
  portfolioOf(`
models:
  - name: chat
    sizeGB: 10
    accelerators: 1
    memoryGiB: 20
    startupSeconds: 30
    latency: { fixedMs: 2000, firstTokenMs: 1000 }
    concurrency: 4
    sloMs: 500
    scaling: { minCopies: 4, maxCopies: 4 }
    ${routing}
    ${sharing}
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 1, pricePerHour: 10 }
mapping:
  explicit: { chat: chat-traffic }
`);

const trace = traceOf(1800, { "chat-traffic": every(0.5, 3500, 1) });
const run = async (routing: string, sharing?: string) => simulateLoaded(await chat(routing, sharing), trace, { strategies: ["c"] }).results[0]!;

describe("prefix-aware routing in the simulator", () => {
  it("PREFIX_AWARE keeps a prompt's prefix on the copy that has it cached: lower time to first token and more requests within SLO than RANDOM", async (t: TestContext) => {
    t.plan(5);
    const random = await run("routing: RANDOM");
    // Not all: least outstanding requests may give one copy more prefixes than its cache keeps.
    const aware = await run("routing: PREFIX_AWARE");
    t.assert.equal(aware.failed + random.failed, 0);
    t.assert.ok(aware.p50Ms < random.p50Ms, `TTFT p50: PREFIX_AWARE ${aware.p50Ms} ms, RANDOM ${random.p50Ms} ms`);
    t.assert.ok(aware.withinSlo > random.withinSlo, `within SLO: PREFIX_AWARE ${aware.withinSlo}, RANDOM ${random.withinSlo} of ${aware.requests}`);
    const hitRate = (notes: string[]) => Number(/\(([\d.]+)%\) found their prefix cached/.exec(notes.join("\n"))?.[1]);
    t.assert.ok(hitRate(aware.engine!.notes) > 80, `PREFIX_AWARE hit rate ${hitRate(aware.engine!.notes)}%`);
    t.assert.ok(hitRate(random.engine!.notes) < 50, `RANDOM hit rate ${hitRate(random.engine!.notes)}%`);
  });

  it("without prefixSharing and routing, or with least outstanding requests named, the results are the same as before", async (t: TestContext) => {
    t.plan(3);
    const plain = await run("", "");
    const named = await run("routing: LEAST_OUTSTANDING_REQUESTS", "");
    t.assert.deepStrictEqual([named.p50Ms, named.p99Ms, named.withinSlo, named.cost], [plain.p50Ms, plain.p99Ms, plain.withinSlo, plain.cost]);
    // The latency histogram's buckets are about 0.5% wide.
    t.assert.ok(plain.p50Ms >= 1000 && plain.p50Ms < 1010, `every request's first token after its whole 1 s prefill: p50 ${plain.p50Ms} ms`);
    t.assert.deepStrictEqual(plain.engine!.notes, named.engine!.notes);
  });

  it("refuses prefixSharing on a model judged end to end, whose prefill time it does not know", async (t: TestContext) => {
    t.plan(1);
    await t.assert.rejects(
      portfolioOf(`
models:
  - name: chat
    sizeGB: 10
    accelerators: 1
    memoryGiB: 20
    startupSeconds: 30
    latency: { fixedMs: 2000 }
    sloMs: 500
    scaling: { maxCopies: 4 }
    prefixSharing: { requestShare: 0.9, prefillShare: 0.9 }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1, maxInstances: 1, pricePerHour: 10 }
mapping:
  explicit: { chat: chat-traffic }
`),
      /prefixSharing.*time to first token/s,
    );
  });
});
