import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ScalableTargetRecord, ScalingActivityRecord, ScalingPolicyRecord, ScheduledActionRecord } from "../../src/autoscaling/records.js";
import { decideScalingPass, type ScalingPassInput } from "../../src/autoscaling/scaling-pass.js";
import { decideBacklogGrowth } from "../../src/autoscaling/backlog-growth.js";
import type { ComponentRecord, EndpointRecord } from "../../src/domain/resources.js";
import { TimeScale } from "../../src/util/time-scale.js";
import { zoneOffset } from "../../src/util/time-zones.js";

const now = 10_000_000;
const dimension = "sagemaker:inference-component:DesiredCopyCount" as const;

const target: ScalableTargetRecord = {
  serviceNamespace: "sagemaker",
  resourceId: "inference-component/ic",
  scalableDimension: dimension,
  minCapacity: 1,
  maxCapacity: 4,
  roleArn: "role",
  arn: "arn",
  suspendedState: {},
  createdAt: 0,
};

const stepPolicy: ScalingPolicyRecord = {
  arn: "policy-arn",
  name: "out",
  serviceNamespace: "sagemaker",
  resourceId: target.resourceId,
  scalableDimension: dimension,
  policyType: "StepScaling",
  step: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], Cooldown: 0 },
  alarms: [],
  createdAt: 0,
};

const component = (extra: Partial<ComponentRecord> = {}) =>
  ({ name: "ic", status: "InService", desiredCopyCount: 2, resolved: {}, lastModifiedAt: 0, ...extra }) as unknown as ComponentRecord;

function input(overrides: Partial<ScalingPassInput> = {}): ScalingPassInput {
  let id = 0;
  return {
    target,
    policies: [stepPolicy],
    trigger: { kind: "step", policyName: "out", alarmName: "high", threshold: 1, value: 2 },
    tracked: [],
    holder: { kind: "component", record: component() },
    observed: 2,
    scheduled: [],
    zoneOf: () => () => 0,
    activities: [],
    now,
    newId: () => `id-${++id}`,
    scale: new TimeScale(60),
    quotas: { maxCopiesPerComponent: 8, maxInstancesPerEndpoint: 6 },
    keep: 200,
    ...overrides,
  };
}

const activity = (id: string, startTime: number, statusCode: ScalingActivityRecord["statusCode"], desired: number): ScalingActivityRecord => ({
  activityId: id,
  serviceNamespace: "sagemaker",
  resourceId: target.resourceId,
  scalableDimension: dimension,
  description: `Setting desired copy count to ${desired}.`,
  cause: "test",
  startTime,
  statusCode,
  desired,
});

describe("a scaling pass decides everything it commits", () => {
  it("returns the new capacity, its activity, and the cooldown stamps of the target and the policy together", () => {
    const result = decideScalingPass(input());
    assert.equal((result.holder as ComponentRecord).desiredCopyCount, 3);
    assert.equal((result.holder as ComponentRecord).status, "Updating");
    assert.deepEqual(
      result.activities.map((a) => [a.activityId, a.statusCode, a.desired, a.startTime]),
      [["id-1", "InProgress", 3, now]],
    );
    assert.equal(result.target?.lastScaleOutAt, now);
    assert.deepEqual(
      result.policies.map((p) => [p.name, p.lastActivityAt]),
      [["out", now]],
    );
  });

  it("records a capacity the rules refuse as one Failed activity, remembered in the target across passes", () => {
    const rolling = { kind: "component" as const, record: component({ status: "Updating", rollout: {} as ComponentRecord["rollout"] }) };
    const first = decideScalingPass(input({ holder: rolling }));
    assert.equal(first.holder, undefined, "the capacity does not change during a rollout");
    assert.equal(first.activities.length, 1);
    assert.equal(first.activities[0]!.statusCode, "Failed");
    assert.match(first.activities[0]!.statusMessage!, /being updated/);
    assert.equal(first.target?.lastScaleOutAt, undefined, "no cooldown starts");
    // The next pass (or the first after a restart) reads the stored target: the same refusal is not recorded again.
    const again = decideScalingPass(input({ holder: rolling, target: first.target! }));
    assert.deepEqual(again.activities, []);
  });

  it("refuses a variant's scale-in to 0 instances while its inference components want copies, as a Failed activity", () => {
    const variantTarget = {
      ...target,
      resourceId: "endpoint/ep/variant/AllTraffic",
      scalableDimension: "sagemaker:variant:DesiredInstanceCount",
      minCapacity: 0,
      maxCapacity: 2,
    } as ScalableTargetRecord;
    const scaleIn = { ...stepPolicy, resourceId: variantTarget.resourceId, scalableDimension: variantTarget.scalableDimension } as ScalingPolicyRecord;
    scaleIn.step = { ...scaleIn.step!, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: -1 }] };
    const endpoint = {
      name: "ep",
      status: "InService",
      current: { variants: { AllTraffic: { desiredInstanceCount: 1, desiredWeight: 1 } } },
    } as unknown as EndpointRecord;
    const copies = { copies: [{ component: "ic", copies: 1, needs: { accelerators: 1, cpuMillis: 1000, memoryMiB: 1024 } }] };
    const result = decideScalingPass(
      input({ target: variantTarget, policies: [scaleIn], observed: 1, holder: { kind: "variant", record: endpoint, variant: "AllTraffic", copies } }),
    );
    assert.equal(result.holder, undefined, "the instance count does not change");
    assert.deepEqual(
      result.activities.map((a) => a.statusCode),
      ["Failed"],
    );
    assert.match(
      result.activities[0]!.statusMessage!,
      /^Failed to set desired instance count to 0\. Reason: Variant 'AllTraffic' of endpoint 'ep' cannot go to 0 instances: its inference components still want copies \(ic: 1 copy\)/,
    );
  });

  it("records a policy that cannot scale once until the capacity changes", () => {
    const atMax = { kind: "component" as const, record: component({ desiredCopyCount: 4 }) };
    const first = decideScalingPass(input({ holder: atMax }));
    assert.deepEqual(
      first.activities.map((a) => a.notScaledReasons?.[0]?.Code),
      ["AlreadyAtMaxCapacity"],
    );
    assert.deepEqual(decideScalingPass(input({ holder: atMax, target: first.target! })).activities, []);
    const scaled = decideScalingPass(input({ target: first.target! }));
    assert.equal(scaled.target?.notScaled, undefined, "scaling forgets earlier failures");
  });

  it("settles the newest open activity once its capacity runs, and overrides older ones", () => {
    const stored = [activity("old", now - 2000, "InProgress", 1), activity("newest", now - 1000, "InProgress", 2)];
    const result = decideScalingPass(input({ trigger: { kind: "track" }, activities: stored, observed: 2 }));
    assert.deepEqual(
      result.activities.map((a) => [a.activityId, a.statusCode]),
      [
        ["old", "Overridden"],
        ["newest", "Successful"],
      ],
    );
  });

  it("prunes the oldest activities beyond the kept number in the same pass", () => {
    const stored = [activity("a", 1, "Successful", 1), activity("b", 2, "Successful", 2)];
    const result = decideScalingPass(input({ activities: stored, keep: 2 }));
    assert.deepEqual(
      result.pruned.map((a) => a.activityId),
      ["a"],
    );
  });

  it("does not wake a target whose step policy scales it from zero", () => {
    const result = decideScalingPass(
      input({ trigger: { kind: "wake", component: "ic" }, holder: { kind: "component", record: component({ desiredCopyCount: 0 }) } }),
    );
    assert.equal(result.holder, undefined);
    assert.deepEqual(result.activities, []);
  });
});

describe("a scheduled action in the scaling pass", () => {
  const at = Date.parse("2026-12-05T09:00:30Z");
  const action = (extra: Partial<ScheduledActionRecord>): ScheduledActionRecord => ({
    name: "mornings",
    arn: "action-arn",
    serviceNamespace: "sagemaker",
    resourceId: target.resourceId,
    scalableDimension: target.scalableDimension,
    schedule: "cron(0 9 * * ? *)",
    createdAt: Date.parse("2026-12-04T00:00:00Z"),
    putAt: Date.parse("2026-12-04T00:00:00Z"),
    ...extra,
  });
  const pass = (scheduled: ScheduledActionRecord[], suspended = false) =>
    decideScalingPass(
      input({
        target: { ...target, suspendedState: { ScheduledScalingSuspended: suspended } },
        policies: [],
        scheduled,
        zoneOf: zoneOffset,
        trigger: { kind: "track" },
        holder: { kind: "component", record: component({ desiredCopyCount: 1 }) },
        observed: 1,
        now: at,
      }),
    );

  it("sets the limits, scales the capacity into them and stamps the run, in one result", () => {
    const result = pass([action({ minCapacity: 3 })]);
    assert.equal(result.target?.minCapacity, 3);
    assert.equal(result.target?.maxCapacity, 4);
    assert.equal((result.holder as ComponentRecord).desiredCopyCount, 3);
    assert.deepEqual(
      result.activities.map((a) => [a.description, a.cause, a.statusCode]),
      [
        ["Setting min capacity to 3", "scheduled action name mornings was triggered", "Successful"],
        ["Setting desired copy count to 3.", "minimum capacity was set to 3", "InProgress"],
      ],
    );
    assert.deepEqual(
      result.scheduledActions.map((a) => a.lastRunAt),
      [Date.parse("2026-12-05T09:00:00Z")],
    );
  });

  it("fails a run that asks past the copy quota, changing neither the limits nor the copies", () => {
    const result = pass([action({ minCapacity: 2147483647, maxCapacity: 2147483647 })]);
    assert.equal(result.target, undefined);
    assert.equal(result.holder, undefined);
    assert.deepEqual(
      result.activities.map((a) => [a.description, a.statusCode, a.statusMessage]),
      [
        [
          "Setting min capacity to 2147483647 and max capacity to 2147483647",
          "Failed",
          "Failed to set min capacity to 2147483647 and max capacity to 2147483647. Reason: 2147483647 is more than the limit of 8 copies per inference component. " +
            "Put the scheduled action again with capacities of at most 8, or raise quotas.maxCopiesPerComponent and restart the server.",
        ],
      ],
    );
    assert.equal(result.scheduledActions[0]?.lastRunAt, Date.parse("2026-12-05T09:00:00Z"));
  });

  it("does nothing for a run already made, and lets a suspended target's runs pass without effect", () => {
    assert.deepEqual(pass([action({ minCapacity: 3, lastRunAt: Date.parse("2026-12-05T09:00:00Z") })]).activities, []);
    const suspended = pass([action({ minCapacity: 3 })], true);
    assert.equal(suspended.target, undefined);
    assert.deepEqual(suspended.activities, []);
    assert.equal(suspended.scheduledActions[0]?.lastRunAt, Date.parse("2026-12-05T09:00:00Z"));
  });
});

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

/** A backlog pass on a target with room for 6 copies that scaled out a moment ago (its cooldown is running). */
const backlogPass = (waiting: number, desired: number, ready: number, overrides: Partial<ScalingPassInput> = {}) =>
  decideScalingPass(
    input({
      target: { ...target, minCapacity: 0, maxCapacity: 6, lastScaleOutAt: now - 1000 },
      policies: [concurrencyPolicy],
      trigger: { kind: "backlog", component: "ic", waiting },
      holder: { kind: "component", record: component({ desiredCopyCount: desired }) },
      observed: ready,
      quotas: { maxCopiesPerComponent: 100, maxInstancesPerEndpoint: 10 },
      ...overrides,
    }),
  );

describe("a backlog grows a component at once (Berth's addition)", () => {
  it("adds what the backlog needs beyond what starting copies absorb, inside the cooldown, with a plain cause", () => {
    // 2 ready (full), 1 starting (room for 4): 9 waiting need ceil((9 − 4) ÷ 4) = 2 more.
    const result = backlogPass(9, 3, 2);
    assert.equal((result.holder as ComponentRecord).desiredCopyCount, 5);
    const [activity] = result.activities;
    assert.equal(activity!.description, "Setting desired copy count to 5.");
    assert.match(activity!.cause, /^9 requests waiting, more than the 3 ready and starting copies absorb/);
    assert.equal(result.target?.lastScaleOutAt, now);
  });

  it("asks nothing more while the copies starting absorb the backlog, so a woken copy is not asked for twice", () => {
    const result = backlogPass(4, 1, 0);
    assert.equal(result.holder, undefined);
    assert.deepEqual(result.activities, []);
  });

  it("never goes past the target's maximum", () => {
    const result = backlogPass(100, 2, 2);
    assert.equal((result.holder as ComponentRecord).desiredCopyCount, 6);
    assert.equal(backlogPass(100, 6, 6).holder, undefined);
  });

  it("needs a per-copy concurrency target to size the backlog against, and leaves zero copies to the wake", () => {
    const invocations: ScalingPolicyRecord = {
      ...concurrencyPolicy,
      targetTracking: { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" } },
    };
    assert.equal(backlogPass(50, 1, 1, { policies: [invocations] }).holder, undefined);
    assert.equal(backlogPass(50, 0, 0).holder, undefined);
  });

  it("is a pure function of the backlog, the copies and the limits", () => {
    const decision = decideBacklogGrowth({ waiting: 10, ready: 0, perCopy: 2, capacity: { current: 1, min: 0, max: 8 } });
    assert.deepEqual([decision.direction, decision.desired], ["out", 5]);
    const suspended = decideBacklogGrowth({ waiting: 10, ready: 0, perCopy: 2, capacity: { current: 1, min: 0, max: 8 }, scaleOutSuspended: true });
    assert.deepEqual([suspended.direction, suspended.notScaled?.code], ["none", "ScalingSuspended"]);
  });
});
