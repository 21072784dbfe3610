import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  GetPredictiveScalingForecastCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  DescribeScheduledActionsCommand,
  RegisterScalableTargetCommand,
  ApplicationAutoScalingServiceException,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteInferenceComponentCommand, DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount";

describe("Application Auto Scaling API", () => {
  let berth: BerthProcess;
  let aas: ApplicationAutoScalingClient;
  let cloudwatch: CloudWatchClient;
  let endpoint: string;
  let component: string;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    const options = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
    aas = new ApplicationAutoScalingClient(options);
    cloudwatch = new CloudWatchClient(options);
    endpoint = await createIcEndpoint(berth.sagemaker);
    component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 0 }));
  });
  after(async () => {
    await berth.stop();
  });

  const target = () => ({ ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${component}`, ScalableDimension: dimension as never });

  it("registers, describes and updates a scalable target for an inference component, with minimum 0", async () => {
    const registered = await aas.send(new RegisterScalableTargetCommand({ ...target(), MinCapacity: 0, MaxCapacity: 4 }));
    assert.match(registered.ScalableTargetARN!, /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\//);
    const described = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [target().ResourceId] }));
    assert.equal(described.ScalableTargets!.length, 1);
    const t = described.ScalableTargets![0]!;
    assert.equal(t.MinCapacity, 0);
    assert.equal(t.MaxCapacity, 4);
    assert.ok(t.CreationTime instanceof Date);
    assert.match(t.RoleARN!, /AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint/);
    await aas.send(new RegisterScalableTargetCommand({ ...target(), MaxCapacity: 6 }));
    const updated = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [target().ResourceId] })))
      .ScalableTargets![0]!;
    assert.deepEqual([updated.MinCapacity, updated.MaxCapacity], [0, 6], "fields left out of an update keep their value");
  });

  it("clamps the copy count into new limits at once and records the activity", async () => {
    await aas.send(new RegisterScalableTargetCommand({ ...target(), MinCapacity: 2, MaxCapacity: 6 }));
    const ic = await eventually(async () => {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
      return d.RuntimeConfig!.DesiredCopyCount === 2 ? d : undefined;
    });
    assert.equal(ic.RuntimeConfig!.DesiredCopyCount, 2);
    const activities = await eventually(async () => {
      const a = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: target().ResourceId }));
      return a.ScalingActivities!.some((x) => x.StatusCode === "Successful") ? a : undefined;
    });
    const latest = activities.ScalingActivities![0]!;
    assert.equal(latest.Description, "Setting desired copy count to 2.");
    assert.match(latest.Cause!, /limits changed to 2–6/);
    assert.equal(latest.StatusCode, "Successful");
    await aas.send(new RegisterScalableTargetCommand({ ...target(), MinCapacity: 0 }));
  });

  it("creates a target-tracking policy with its two CloudWatch alarms, and deletes them with it", async () => {
    const put = await aas.send(
      new PutScalingPolicyCommand({
        ...target(),
        PolicyName: "concurrency",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 5,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution" },
          ScaleInCooldown: 300,
          ScaleOutCooldown: 300,
        },
      }),
    );
    assert.match(
      put.PolicyARN!,
      /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]+:resource\/sagemaker\/inference-component\/.+:policyName\/concurrency$/,
    );
    assert.equal(put.Alarms!.length, 2);
    const names = put.Alarms!.map((a) => a.AlarmName!);
    assert.ok(names.some((n) => n.startsWith(`TargetTracking-inference-component/${component}-AlarmHigh-`)));
    assert.ok(names.some((n) => n.startsWith(`TargetTracking-inference-component/${component}-AlarmLow-`)));
    const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    const high = alarms.MetricAlarms!.find((a) => a.AlarmName!.includes("AlarmHigh"))!;
    assert.equal(high.MetricName, "ConcurrentRequestsPerCopy");
    assert.equal(high.Threshold, 5);
    assert.equal(high.Period, 10);
    const policies = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: target().ResourceId }));
    assert.equal(policies.ScalingPolicies![0]!.PolicyType, "TargetTrackingScaling");
    assert.equal(policies.ScalingPolicies![0]!.TargetTrackingScalingPolicyConfiguration!.TargetValue, 5);
    await aas.send(new DeleteScalingPolicyCommand({ ...target(), PolicyName: "concurrency" }));
    const gone = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    assert.deepEqual(gone.MetricAlarms, []);
  });

  const refusals: { title: string; run: () => Promise<unknown>; name: string; message: RegExp }[] = [
    {
      title: "an unknown component",
      run: () =>
        aas.send(
          new RegisterScalableTargetCommand({
            ServiceNamespace: "sagemaker",
            ResourceId: "inference-component/nope",
            ScalableDimension: dimension as never,
            MinCapacity: 0,
            MaxCapacity: 1,
          }),
        ),
      name: "ValidationException",
      message: /inference component nope does not exist/,
    },
    {
      title: "min above max",
      run: () => aas.send(new RegisterScalableTargetCommand({ ...target(), MinCapacity: 5, MaxCapacity: 2 })),
      name: "ValidationException",
      message: /Minimum capacity \(5\) cannot be greater than maximum capacity \(2\)/,
    },
    {
      title: "a resource id that does not fit the dimension",
      run: () =>
        aas.send(
          new RegisterScalableTargetCommand({
            ...target(),
            ScalableDimension: "sagemaker:variant:DesiredInstanceCount" as never,
            MinCapacity: 0,
            MaxCapacity: 1,
          }),
        ),
      name: "ValidationException",
      message: /does not fit ScalableDimension/,
    },
    {
      title: "another service namespace",
      run: () =>
        aas.send(
          new RegisterScalableTargetCommand({
            ServiceNamespace: "ecs",
            ResourceId: "service/x/y",
            ScalableDimension: "ecs:service:DesiredCount",
            MinCapacity: 0,
            MaxCapacity: 1,
          }),
        ),
      name: "ValidationException",
      message: /scales SageMaker resources only/,
    },
    {
      title: "a policy for an unregistered target",
      run: () =>
        aas.send(
          new PutScalingPolicyCommand({
            ServiceNamespace: "sagemaker",
            ResourceId: "inference-component/unregistered",
            ScalableDimension: dimension as never,
            PolicyName: "p",
            PolicyType: "StepScaling",
            StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
          }),
        ),
      name: "ObjectNotFoundException",
      message: /No scalable target registered/,
    },
    {
      title: "overlapping step adjustments",
      run: () =>
        aas.send(
          new PutScalingPolicyCommand({
            ...target(),
            PolicyName: "bad-steps",
            PolicyType: "StepScaling",
            StepScalingPolicyConfiguration: {
              AdjustmentType: "ChangeInCapacity",
              StepAdjustments: [
                { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
                { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 },
              ],
            },
          }),
        ),
      name: "ValidationException",
      message: /intervals overlap at 5/,
    },
    {
      title: "a predefined metric of another resource type",
      run: () =>
        aas.send(
          new PutScalingPolicyCommand({
            ...target(),
            PolicyName: "wrong-metric",
            PolicyType: "TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 1,
              PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
            },
          }),
        ),
      name: "ValidationException",
      message: /needs an endpoint\/<endpoint>\/variant\/<variant> target/,
    },
    {
      title: "a TargetValue above 2^360",
      run: () =>
        aas.send(
          new PutScalingPolicyCommand({
            ...target(),
            PolicyName: "huge-target",
            PolicyType: "TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 1e308,
              PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" },
            },
          }),
        ),
      name: "ValidationException",
      message: /TargetValue must be at most 2\^360.*got 1e\+308/,
    },
    {
      title: "deleting a policy that does not exist",
      run: () => aas.send(new DeleteScalingPolicyCommand({ ...target(), PolicyName: "ghost" })),
      name: "ObjectNotFoundException",
      message: /No scaling policy found/,
    },
    {
      title: "a bad NextToken",
      run: () => aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", NextToken: "garbage" })),
      name: "InvalidNextTokenException",
      message: /NextToken is not valid/,
    },
    {
      title: "MaxResults over the limit",
      run: () => aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", MaxResults: 11 })),
      name: "ValidationException",
      message: /between 1 and 10/,
    },
  ];
  for (const r of refusals) {
    it(`refuses ${r.title}`, async () => {
      await assert.rejects(r.run(), (e: Error) => {
        assert.equal(e.name, r.name);
        assert.match(e.message, r.message);
        return true;
      });
    });
  }

  it("refuses an operation of Application Auto Scaling's model that Berth does not serve, saying what it serves", async () => {
    const now = new Date();
    await assert.rejects(
      aas.send(new GetPredictiveScalingForecastCommand({ ...target(), PolicyName: "forecast", StartTime: now, EndTime: new Date(now.getTime() + 3_600_000) })),
      (error: Error) => {
        assert.ok(error instanceof ApplicationAutoScalingServiceException);
        assert.equal(error.name, "UnknownOperationException");
        assert.equal(
          error.message,
          "ApplicationAutoScaling.GetPredictiveScalingForecast is not served: Berth implements Application Auto Scaling for SageMaker endpoint variants " +
            "and inference components only (scalable targets, target-tracking and step scaling policies, scheduled actions, scaling activities, tags). " +
            'See README "The calls tools make".',
        );
        return true;
      },
    );
  });

  it("deregisters a target together with its policies", async () => {
    await aas.send(
      new PutScalingPolicyCommand({
        ...target(),
        PolicyName: "step",
        PolicyType: "StepScaling",
        StepScalingPolicyConfiguration: {
          AdjustmentType: "ChangeInCapacity",
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
          Cooldown: 60,
        },
      }),
    );
    await aas.send(new DeregisterScalableTargetCommand(target()));
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [target().ResourceId] }));
    assert.deepEqual(targets.ScalableTargets, []);
    const policies = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: target().ResourceId }));
    assert.deepEqual(policies.ScalingPolicies, []);
    await assert.rejects(aas.send(new DeregisterScalableTargetCommand(target())), { name: "ObjectNotFoundException" });
  });

  it("deregisters a deleted component's target with its policies, their alarms and its scheduled actions, as AAS does for a deleted endpoint", async () => {
    const gone = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 0 }));
    const goneTarget = { ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${gone}`, ScalableDimension: dimension as never };
    await aas.send(new RegisterScalableTargetCommand({ ...goneTarget, MinCapacity: 1, MaxCapacity: 3 }));
    await aas.send(
      new PutScalingPolicyCommand({
        ...goneTarget,
        PolicyName: "per-copy",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 5,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" },
        },
      }),
    );
    await aas.send(
      new PutScheduledActionCommand({
        ...goneTarget,
        ScheduledActionName: "mornings",
        Schedule: "cron(0 8 * * ? *)",
        ScalableTargetAction: { MinCapacity: 2 },
      }),
    );
    const alarmPrefix = `TargetTracking-inference-component/${gone}-`;
    const before = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarmPrefix }));
    assert.equal(before.MetricAlarms!.length, 2, "target tracking made its two alarms");

    await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: gone }));
    await eventually(
      async () => {
        const t = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [goneTarget.ResourceId] }));
        return t.ScalableTargets!.length === 0 ? true : undefined;
      },
      { what: `the scalable target of deleted component ${gone} to be deregistered` },
    );
    const policies = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: goneTarget.ResourceId }));
    assert.deepEqual(policies.ScalingPolicies, []);
    const scheduled = await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: "sagemaker", ResourceId: goneTarget.ResourceId }));
    assert.deepEqual(scheduled.ScheduledActions, []);
    const after = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarmPrefix }));
    assert.deepEqual(after.MetricAlarms, [], "the policy's alarms went with it");
  });
});
