import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideBacklogGrowth } from "../../src/autoscaling/backlog-growth.js";
import type { ScalableTargetRecord, ScalingPolicyRecord } from "../../src/autoscaling/records.js";
import { decideScalingPass, type ScalingPassInput } from "../../src/autoscaling/scaling-pass.js";
import type { ComponentRecord } from "../../src/domain/resources.js";
import { TimeScale } from "../../src/util/time-scale.js";

const now = 10_000_000;
const dimension = "sagemaker:inference-component:DesiredCopyCount" as const;

const target: ScalableTargetRecord = {
  serviceNamespace: "sagemaker",
  resourceId: "inference-component/ic",
  scalableDimension: dimension,
  minCapacity: 0,
  maxCapacity: 6,
  roleArn: "role",
  arn: "arn",
  suspendedState: {},
  createdAt: 0,
  // A scale-out a moment ago: the cooldown is running.
  lastScaleOutAt: now - 1000,
};

const concurrencyPolicy: ScalingPolicyRecord = {
  arn: "policy-arn",
  name: "concurrency",
  serviceNamespace: "sagemaker",
  resourceId: target.resourceId,
  scalableDimension: dimension,
  policyType: "TargetTrackingScaling",
  targetTracking: {
    TargetValue: 4,
    PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution" },
    ScaleOutCooldown: 300,
  },
  alarms: [],
  createdAt: 0,
};

const component = (desiredCopyCount: number) =>
  ({ name: "ic", status: "InService", desiredCopyCount, resolved: {}, lastModifiedAt: 0 }) as unknown as ComponentRecord;

function pass(waiting: number, desired: number, ready: number, overrides: Partial<ScalingPassInput> = {}) {
  let id = 0;
  return decideScalingPass({
    target,
    policies: [concurrencyPolicy],
    trigger: { kind: "backlog", component: "ic", waiting },
    tracked: [],
    holder: { kind: "component", record: component(desired) },
    observed: ready,
    scheduled: [],
    zoneOf: () => () => 0,
    activities: [],
    now,
    newId: () => `id-${++id}`,
    scale: new TimeScale(60),
    quotas: { maxCopiesPerComponent: 100, maxInstancesPerEndpoint: 10 },
    keep: 200,
    ...overrides,
  });
}

describe("a backlog grows a component at once (Berth's addition)", () => {
  it("adds what the backlog needs beyond what starting copies absorb, inside the cooldown, with a plain cause", () => {
    // 2 ready (full), 1 starting (room for 4): 9 waiting need ceil((9 − 4) ÷ 4) = 2 more.
    const result = pass(9, 3, 2);
    assert.equal((result.holder as ComponentRecord).desiredCopyCount, 5);
    const [activity] = result.activities;
    assert.equal(activity!.description, "Setting desired copy count to 5.");
    assert.match(activity!.cause, /^9 requests waiting, more than the 3 ready and starting copies absorb/);
    assert.equal(result.target?.lastScaleOutAt, now);
  });

  it("asks nothing more while the copies starting absorb the backlog, so a woken copy is not asked for twice", () => {
    const result = pass(4, 1, 0);
    assert.equal(result.holder, undefined);
    assert.deepEqual(result.activities, []);
  });

  it("never goes past the target's maximum", () => {
    const result = pass(100, 2, 2);
    assert.equal((result.holder as ComponentRecord).desiredCopyCount, 6);
    assert.equal(pass(100, 6, 6).holder, undefined);
  });

  it("needs a per-copy concurrency target to size the backlog against, and leaves zero copies to the wake", () => {
    const invocations: ScalingPolicyRecord = {
      ...concurrencyPolicy,
      targetTracking: { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" } },
    };
    assert.equal(pass(50, 1, 1, { policies: [invocations] }).holder, undefined);
    assert.equal(pass(50, 0, 0).holder, undefined);
  });

  it("is a pure function of the backlog, the copies and the limits", () => {
    const decision = decideBacklogGrowth({ waiting: 10, ready: 0, perCopy: 2, capacity: { current: 1, min: 0, max: 8 } });
    assert.deepEqual([decision.direction, decision.desired], ["out", 5]);
    const suspended = decideBacklogGrowth({ waiting: 10, ready: 0, perCopy: 2, capacity: { current: 1, min: 0, max: 8 }, scaleOutSuspended: true });
    assert.deepEqual([suspended.direction, suspended.notScaled?.code], ["none", "ScalingSuspended"]);
  });
});
