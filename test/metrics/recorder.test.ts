import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import { MetricsRecorder } from "../../src/metrics/recorder.js";
import type { ComponentInfo, CopyLoad, VariantInfo } from "../../src/metrics/sources.js";
import { metricId, type Statistic } from "../../src/metrics/types.js";
import { TimeScale } from "../../src/util/time-scale.js";
import { ManualClock } from "./manual-clock.js";

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const scale = new TimeScale(60);
const bucketMs = scale.ms(10);

function setup(options: { components?: ComponentInfo[]; loads?: CopyLoad[]; variants?: VariantInfo[] } = {}) {
  const clock = new ManualClock(T0);
  const store = new MemoryMetricsStore({ bucketMs });
  const world = {
    components: options.components ?? [{ name: "ic-a", endpointName: "ep", variantName: "AllTraffic", desiredCopies: 2, readyCopies: 2 }],
    loads: options.loads ?? [],
    variants: options.variants ?? [{ endpointName: "ep", variantName: "AllTraffic", instances: 4 }],
  };
  const recorder = new MetricsRecorder({
    writer: store,
    clock,
    timeScale: scale,
    bucketMs,
    sources: { components: () => world.components, copyLoads: () => world.loads, variants: () => world.variants },
  });
  recorder.start();
  const ic = (name: string, statistic: Statistic = "Sum", periodMs = 60_000) =>
    store
      .statistics({ metric: metricId("AWS/SageMaker", name, { InferenceComponentName: "ic-a" }), statistic, periodMs, startMs: T0, endMs: T0 + 600_000 })
      .map((p) => p.value);
  const variant = (name: string, statistic: Statistic = "Sum") =>
    store
      .statistics({
        metric: metricId("AWS/SageMaker", name, { EndpointName: "ep", VariantName: "AllTraffic" }),
        statistic,
        periodMs: 60_000,
        startMs: T0,
        endMs: T0 + 600_000,
      })
      .map((p) => p.value);
  return { clock, store, world, recorder, ic, variant };
}

const target = { endpointName: "ep", variantName: "AllTraffic", componentName: "ic-a", copyId: "ic-a-1" };

describe("metrics recorder", () => {
  it("counts invocations per variant and component, and normalises per copy and per instance", () => {
    const { clock, recorder, ic, variant } = setup();
    for (let i = 0; i < 4; i++) {
      recorder.requestStarted(target);
      recorder.requestFinished(target, "ok", 12.5, 0.5);
    }
    clock.advance(60_000);
    assert.deepEqual(ic("Invocations"), [4]);
    assert.deepEqual(ic("InvocationsPerCopy"), [2]);
    assert.deepEqual(variant("Invocations"), [4]);
    assert.deepEqual(variant("InvocationsPerInstance"), [1]);
    assert.deepEqual(ic("ModelLatency", "Average"), [12_500]);
    assert.deepEqual(ic("OverheadLatency", "Maximum"), [500]);
    assert.deepEqual(ic("Invocation4XXErrors"), [0]);
  });

  it("records zeros for components and variants that got no request in a bucket", () => {
    const { clock, recorder, ic, variant } = setup();
    clock.advance(10_000);
    recorder.requestStarted(target);
    recorder.requestFinished(target, "ok", 1, 1);
    clock.advance(50_000);
    // Six buckets in the minute: one with the request, five with an explicit 0.
    assert.deepEqual(ic("Invocations", "SampleCount"), [6]);
    assert.deepEqual(ic("Invocations", "Sum"), [1]);
    assert.deepEqual(ic("InvocationsPerCopy", "Minimum"), [0]);
    assert.deepEqual(ic("NoCapacityInvocationFailures", "Sum"), [0]);
    assert.deepEqual(ic("NoCapacityInvocationFailures", "SampleCount"), [6]);
    assert.deepEqual(variant("Invocations", "SampleCount"), [6]);
  });

  it("counts every no-capacity outcome it is told about, with or without a copy", () => {
    const { clock, recorder, ic } = setup();
    const held = { endpointName: "ep", variantName: "AllTraffic", componentName: "ic-a" };
    recorder.requestFinished(held, "no_capacity", 0, 3);
    recorder.requestFinished(held, "no_capacity", 0, 3);
    clock.advance(60_000);
    assert.deepEqual(ic("NoCapacityInvocationFailures", "Sum"), [2]);
    assert.deepEqual(ic("NoCapacityInvocationFailures", "Maximum"), [1]);
    assert.deepEqual(ic("Invocations", "Sum"), [0]);
  });

  it("turns outcomes into 4XX, 5XX and model-error flags", () => {
    const { clock, recorder, ic } = setup();
    for (const outcome of ["ok", "model_4xx", "model_5xx", "timeout", "unreachable"] as const) {
      recorder.requestStarted(target);
      recorder.requestFinished(target, outcome, 1, 1);
    }
    clock.advance(60_000);
    assert.deepEqual(ic("Invocation4XXErrors"), [1]);
    assert.deepEqual(ic("Invocation5XXErrors"), [1]);
    assert.deepEqual(ic("InvocationModelErrors"), [4]);
    assert.deepEqual(ic("InvocationModelErrors", "SampleCount"), [5]);
    assert.deepEqual(ic("ModelLatency", "SampleCount"), [4], "an unreachable copy has no model latency");
  });

  it("samples each ready copy's in-flight requests every API second", () => {
    const { clock, world, ic, variant } = setup({
      loads: [
        { endpointName: "ep", variantName: "AllTraffic", componentName: "ic-a", copyId: "ic-a-1", inFlight: 3 },
        { endpointName: "ep", variantName: "AllTraffic", componentName: "ic-a", copyId: "ic-a-2", inFlight: 1 },
        { endpointName: "ep", variantName: "AllTraffic", copyId: "v-1", inFlight: 5 },
      ],
    });
    clock.advance(9_500);
    world.loads = [];
    clock.advance(50_500);
    assert.deepEqual(ic("ConcurrentRequestsPerCopy", "Maximum", 10_000), [3]);
    assert.deepEqual(ic("ConcurrentRequestsPerCopy", "Average", 10_000), [2]);
    assert.ok(ic("ConcurrentRequestsPerCopy", "SampleCount", 10_000)[0]! >= 18);
    assert.deepEqual(variant("ConcurrentRequestsPerModel", "Maximum"), [5]);
  });

  it("gives buckets the sampler missed while the process stalled the copies' in-flight requests, so target tracking sees no gap", () => {
    const { clock, ic } = setup({ loads: [{ endpointName: "ep", variantName: "AllTraffic", componentName: "ic-a", copyId: "ic-a-1", inFlight: 2 }] });
    clock.advance(9_500);
    clock.set(T0 + 35_000); // no tick ran for 25 s: buckets 10-20 s and 20-30 s were never sampled
    clock.advance(0);
    assert.deepEqual(ic("ConcurrentRequestsPerCopy", "Maximum", 10_000), [2, 2, 2, 2]);
  });

  it("records desired and current copy counts once per bucket", () => {
    const { clock, world, ic } = setup();
    clock.advance(10_000);
    world.components = [{ ...world.components[0]!, desiredCopies: 3, readyCopies: 1 }];
    clock.advance(50_000);
    assert.deepEqual(ic("DesiredCopyCount", "Maximum"), [3]);
    assert.deepEqual(ic("DesiredCopyCount", "Minimum"), [2]);
    assert.deepEqual(ic("CurrentCopyCount", "Minimum"), [1]);
    assert.deepEqual(ic("DesiredCopyCount", "SampleCount"), [6]);
  });

  it("closes a bucket only once, however often it is asked", () => {
    const { clock, recorder, ic } = setup();
    clock.advance(10_000);
    recorder.closeBuckets();
    recorder.closeBuckets();
    clock.advance(50_000);
    assert.deepEqual(ic("Invocations", "SampleCount"), [6]);
  });
});
