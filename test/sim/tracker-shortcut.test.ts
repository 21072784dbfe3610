import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decideTargetTracking } from "../../src/autoscaling/target-tracking.js";
import type { TargetTrackingConfig } from "../../src/autoscaling/records.js";
import { TargetTracker } from "../../src/sim/engine/autoscale.js";
import { TimeScale } from "../../src/util/time-scale.js";

const metrics = {
  concurrency: { type: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution" },
  invocations: { type: "SageMakerInferenceComponentInvocationsPerCopy" },
} as const;

/** Feeds the metric phase by phase and checks each answer of the tracker against decideTargetTracking's. */
function replay(
  kind: keyof typeof metrics,
  bounds: { min: number; span: number },
  cooldownS: number,
  disableScaleIn: boolean,
  phases: { load: number; ready: number; steps: number }[],
  start: number,
): void {
  const metric = metrics[kind];
  const config: TargetTrackingConfig = {
    TargetValue: 10,
    PredefinedMetricSpecification: { PredefinedMetricType: metric.type },
    ScaleOutCooldown: cooldownS,
    ScaleInCooldown: cooldownS,
    DisableScaleIn: disableScaleIn,
  };
  const max = bounds.min + bounds.span + 1;
  const policy = { kind: "target-tracking" as const, config, resource: { kind: "component" as const, component: "m" }, min: bounds.min, max };
  const tracker = new TargetTracker("m", policy);
  let desired = Math.max(1, Math.min(max, bounds.min + start));
  let t = 0;
  for (const phase of phases) {
    for (let s = 0; s < phase.steps; s++) {
      if (kind === "invocations") for (let n = 0; n < Math.round(phase.load); n++) tracker.recordInvocation(t + 1, 1);
      else tracker.addOutstanding(t + 1, phase.load * 10);
      t += 10;
      if (tracker.periodEndsAt(t)) tracker.close(t, kind === "concurrency" ? 10 : 0);
      const ready = Math.min(desired, phase.ready);
      const expected =
        desired === 0
          ? undefined
          : decideTargetTracking({
              policyName: "m",
              config,
              metricLabel: tracker.label,
              windows: tracker.windows,
              history: [...tracker.history()],
              capacity: { current: desired, min: bounds.min, max },
              measured: ready,
              target: { lastScaleOutAt: tracker.lastScaleOutAt, lastScaleInAt: tracker.lastScaleInAt },
              now: t * 1000,
              scale: new TimeScale(60),
              unit: "copies",
            });
      const wanted = expected === undefined || expected.direction === "none" || expected.desired === desired ? undefined : expected.desired;
      assert.equal(tracker.decide(desired, ready, t), wanted, `at ${t} s with ${desired} copies, ${ready} ready`);
      if (wanted !== undefined) desired = wanted;
    }
  }
}

/**
 * The simulator's tracker skips decideTargetTracking when its running counts say the answer keeps the
 * count (and skips a repeated question with the same inputs). Whatever the metric does, every answer
 * must be the one decideTargetTracking gives on the same history, capacity and cooldown stamps.
 */
describe("the simulator's target tracker", () => {
  it("answers as decideTargetTracking does, step by step", () => {
    const step = fc.record({
      load: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 9, noNaN: true }), fc.double({ min: 0, max: 40, noNaN: true }), fc.constantFrom(9, 10, 11)),
      ready: fc.integer({ min: 0, max: 12 }),
      steps: fc.integer({ min: 1, max: 40 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom("concurrency", "invocations" as const),
        fc.record({ min: fc.integer({ min: 0, max: 3 }), span: fc.integer({ min: 0, max: 10 }) }),
        fc.integer({ min: 0, max: 900 }),
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 10 }),
        replay,
      ),
      { numRuns: 300 },
    );
  });

  it("finds the scale-in window's peak again once the last one has left the window", () => {
    // 2 copies: 7 per copy for 20 periods keeps both (ceil(2 × 7 / 10) = 2); once it has left the 90-period window, 3 per copy needs one.
    replay(
      "concurrency",
      { min: 0, span: 3 },
      0,
      false,
      [
        { load: 7, ready: 2, steps: 20 },
        { load: 3, ready: 2, steps: 120 },
      ],
      2,
    );
  });
});
