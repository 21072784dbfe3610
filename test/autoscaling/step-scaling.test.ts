import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideStepScaling, matchingStep, type StepScalingInput } from "../../src/autoscaling/step-scaling.js";
import { TimeScale } from "../../src/util/time-scale.js";

const base = (overrides: Partial<StepScalingInput> = {}): StepScalingInput => ({
  policyName: "wake",
  config: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], Cooldown: 60 },
  alarmName: "no-capacity",
  threshold: 1,
  value: 3,
  capacity: { current: 0, min: 0, max: 4 },
  target: {},
  now: 1_000_000,
  scale: new TimeScale(60),
  ...overrides,
});

describe("step scaling decisions", () => {
  it("adds one copy from zero on a NoCapacityInvocationFailures alarm, as SageMaker documents", () => {
    const decision = decideStepScaling(base());
    assert.equal(decision.desired, 1);
    assert.equal(decision.direction, "out");
    assert.match(decision.reason, /alarm no-capacity in state ALARM triggered policy wake/);
  });

  it("picks the step by the distance from the threshold, lower bound inclusive above it", () => {
    const steps = [
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 10, ScalingAdjustment: 3 },
      { MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
    ];
    assert.equal(matchingStep(steps, 0)?.ScalingAdjustment, 1);
    assert.equal(matchingStep(steps, 9.99)?.ScalingAdjustment, 1);
    assert.equal(matchingStep(steps, 10)?.ScalingAdjustment, 3);
    assert.equal(matchingStep(steps, -0.5)?.ScalingAdjustment, -1);
  });

  const cases: { title: string; input: Partial<StepScalingInput>; desired: number; notScaled?: string }[] = [
    {
      title: "sets an exact capacity",
      input: { config: { AdjustmentType: "ExactCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 3 }] } },
      desired: 3,
    },
    {
      title: "changes by a percentage with a minimum magnitude",
      input: {
        capacity: { current: 4, min: 0, max: 20 },
        config: {
          AdjustmentType: "PercentChangeInCapacity",
          MinAdjustmentMagnitude: 2,
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 10 }],
        },
      },
      desired: 6,
    },
    {
      title: "changes by a percentage of current capacity",
      input: {
        capacity: { current: 10, min: 0, max: 20 },
        config: { AdjustmentType: "PercentChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 50 }] },
      },
      desired: 15,
    },
    {
      title: "clamps to the maximum and says so when already there",
      input: { capacity: { current: 4, min: 0, max: 4 } },
      desired: 4,
      notScaled: "AlreadyAtMaxCapacity",
    },
    {
      title: "scales in with a negative step below the threshold",
      input: {
        value: 0,
        threshold: 5,
        capacity: { current: 3, min: 1, max: 4 },
        config: { StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }] },
      },
      desired: 2,
    },
    { title: "waits out the policy's cooldown", input: { lastActivityAt: 1_000_000 - 30_000 }, desired: 0, notScaled: "CooldownInProgress" },
    { title: "acts again once the cooldown has passed", input: { lastActivityAt: 1_000_000 - 61_000 }, desired: 1 },
    {
      title: "does nothing when no step covers the value",
      input: { config: { StepAdjustments: [{ MetricIntervalLowerBound: 10, ScalingAdjustment: 1 }] } },
      desired: 0,
    },
    { title: "honours suspended scale-out", input: { target: { scaleOutSuspended: true } }, desired: 0, notScaled: "ScalingSuspended" },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const decision = decideStepScaling(base(c.input));
      assert.equal(decision.desired, c.desired, decision.reason);
      assert.equal(decision.notScaled?.code, c.notScaled, decision.reason);
    });
  }
});
