import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeEndpointCommand, DescribeInferenceComponentCommand, UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { credentials, newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { steadyLoad } from "../support/load.js";
import { eventually } from "../support/wait.js";
import { trackConcurrency } from "../support/autoscaling.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount" as never;
// At a 0.5 s scaling period: 60 s periods last 0.5 s, the 15-minute scale-in window 7.5 s, the 600 s idle release 5 s.
const config = { scalingPeriodSeconds: 0.5 };

function clients(berth: BerthProcess) {
  const options = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
  return { aas: new ApplicationAutoScalingClient(options), cloudwatch: new CloudWatchClient(options) };
}

/** Invocations of a component over the last two minutes, from CloudWatch. */
async function invocationsOf(cloudwatch: CloudWatchClient, component: string): Promise<number> {
  const stats = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: "AWS/SageMaker",
      MetricName: "Invocations",
      Dimensions: [{ Name: "InferenceComponentName", Value: component }],
      StartTime: new Date(Date.now() - 120_000),
      EndTime: new Date(),
      Period: 60,
      Statistics: ["Sum"],
    }),
  );
  return stats.Datapoints!.reduce((sum, d) => sum + d.Sum!, 0);
}

async function activityCauses(aas: ApplicationAutoScalingClient, component: string): Promise<string[]> {
  const activities = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: `inference-component/${component}` }));
  return activities.ScalingActivities!.map((a) => `${a.Description} | ${a.Cause}`);
}

async function copies(berth: BerthProcess, name: string) {
  const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
  return { desired: d.RuntimeConfig!.DesiredCopyCount!, current: d.RuntimeConfig!.CurrentCopyCount!, status: d.InferenceComponentStatus };
}

describe("autoscaling each component on its own, to zero and back", () => {
  let berth: BerthProcess;
  let aas: ApplicationAutoScalingClient;
  let endpoint: string;
  let busy: string;
  let quiet: string;
  const dataDir = newDataDir();
  before(async () => {
    berth = await startBerth({ dataDir, config });
    ({ aas } = clients(berth));
    endpoint = await createIcEndpoint(berth.sagemaker, {
      instanceType: "ml.g5.12xlarge",
      variant: {
        ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: 1, MaxInstanceCount: 2 },
        RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" },
      },
    });
    busy = await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${endpoint}-busy`, copies: 1, accelerators: 1 }));
    quiet = await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${endpoint}-quiet`, copies: 1, accelerators: 1 }));
    await trackConcurrency(aas, busy, 0, 4);
    await trackConcurrency(aas, quiet, 1, 4);
  });
  after(async () => {
    await berth.stop();
  });

  it("raises the copies of the component under a burst while the other stays put, and falls back to zero and one instance when the load stops", async () => {
    // echo's latency_ms makes each request hold its copy, so concurrency per copy rises.
    const load = steadyLoad(berth.runtime, endpoint, busy, { workers: 6, maxMs: 120_000, customAttributes: "latency_ms=300" });
    let scaled: Awaited<ReturnType<typeof copies>>;
    try {
      scaled = await eventually(
        async () => {
          const state = await copies(berth, busy);
          return state.current >= 4 ? state : undefined;
        },
        { timeoutMs: 90_000, what: "the busy component to reach 4 copies under the burst" },
      );
    } finally {
      await load.stop();
    }
    assert.deepEqual(
      load.samples.filter((s) => s.error).map((s) => s.error),
      [],
      "no request failed while scaling out",
    );
    assert.equal(scaled.desired, 4);
    assert.deepEqual(await copies(berth, quiet), { desired: 1, current: 1, status: "InService" });
    const endpointState = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    assert.equal(endpointState.ProductionVariants![0]!.DesiredInstanceCount, 2, "5 one-GPU copies need a second 4-GPU instance");

    let last: Awaited<ReturnType<typeof copies>> | undefined;
    await eventually(
      async () => {
        last = await copies(berth, busy);
        return last.current === 0 ? true : undefined;
      },
      {
        timeoutMs: 120_000,
        what: () => `the busy component to fall back to zero copies once the load stopped (last seen ${JSON.stringify(last)})`,
      },
    );
    assert.equal((await copies(berth, quiet)).desired, 1, "the quiet component stays at its minimum");
    await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        return d.ProductionVariants![0]!.CurrentInstanceCount === 1 && d.ProductionVariants![0]!.DesiredInstanceCount === 1 ? true : undefined;
      },
      { timeoutMs: 60_000, what: "the endpoint to fall back to its minimum of 1 instance" },
    );
    const causes = await activityCauses(aas, busy);
    assert.ok(
      causes.some((c) => /Setting desired copy count to [2-4]\. \| concurrency: ConcurrentRequestsPerCopy .* above target 1/.test(c)),
      causes.join("\n"),
    );
    assert.ok(
      causes.some((c) => /Setting desired copy count to 0\. \| concurrency: ConcurrentRequestsPerCopy at most 0/.test(c)),
      causes.join("\n"),
    );
  });

  it("holds a request that arrives at zero copies and answers it once a copy is up", async () => {
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: busy, DesiredRuntimeConfig: { CopyCount: 0 } }));
    await eventually(
      async () => {
        const state = await copies(berth, busy);
        return state.current === 0 && state.status === "InService" ? true : undefined;
      },
      { timeoutMs: 60_000, what: "the busy component to be InService at zero copies" },
    );
    const answers = await Promise.all([0, 1, 2].map((i) => invoke(berth.runtime, endpoint, busy, `wake-${i}`)));
    assert.deepEqual(
      answers.map((a) => a.body),
      ["wake-0", "wake-1", "wake-2"],
    );
    const causes = await activityCauses(aas, busy);
    assert.ok(
      causes.some((c) => /Setting desired copy count to 1\. \| a request arrived .* while it had no copies/.test(c)),
      causes.join("\n"),
    );
  });

  it("keeps targets, policies, alarms and metric history across a restart", async () => {
    for (let i = 0; i < 11; i++) await invoke(berth.runtime, endpoint, quiet, `before-restart-${i}`);
    const { cloudwatch } = clients(berth);
    const invoked = await eventually(
      async () => {
        const count = await invocationsOf(cloudwatch, quiet);
        return count >= 11 ? count : undefined;
      },
      { what: "CloudWatch to count the 11 invocations of the quiet component" },
    );
    await berth.stop();
    berth = await startBerth({ dataDir, config });
    const after = clients(berth);
    aas = after.aas;
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" }));
    assert.equal(targets.ScalableTargets!.length, 2);
    const policies = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker" }));
    assert.equal(policies.ScalingPolicies!.length, 2);
    const alarms = await after.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "TargetTracking-" }));
    assert.equal(alarms.MetricAlarms!.length, 4);
    assert.ok((await invocationsOf(after.cloudwatch, quiet)) >= invoked, "the invocations counted before the restart are still there");
  });
});

describe("scaling from zero the way SageMaker documents it", () => {
  let berth: BerthProcess;
  after(async () => {
    await berth?.stop();
  });

  it("a step policy on a NoCapacityInvocationFailures alarm starts a copy, and the held request is answered", async () => {
    berth = await startBerth({ config });
    const { aas, cloudwatch } = clients(berth);
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 1 }));
    const target = { ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${name}`, ScalableDimension: dimension };
    await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 0, MaxCapacity: 2 }));
    const policy = await aas.send(
      new PutScalingPolicyCommand({
        ...target,
        PolicyName: "scale-from-zero",
        PolicyType: "StepScaling",
        StepScalingPolicyConfiguration: {
          AdjustmentType: "ChangeInCapacity",
          MetricAggregationType: "Maximum",
          Cooldown: 60,
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
        },
      }),
    );
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: `${name}-no-capacity`,
        Namespace: "AWS/SageMaker",
        MetricName: "NoCapacityInvocationFailures",
        Dimensions: [{ Name: "InferenceComponentName", Value: name }],
        Statistic: "Maximum",
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "missing",
        AlarmActions: [policy.PolicyARN!],
      }),
    );
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: 0 } }));
    await eventually(
      async () => {
        const state = await copies(berth, name);
        return state.current === 0 && state.status === "InService" ? true : undefined;
      },
      { what: `component ${name} to be InService at zero copies` },
    );
    const answer = await invoke(berth.runtime, endpoint, name, "held until the alarm fired");
    assert.equal(answer.body, "held until the alarm fired");
    const state = await copies(berth, name);
    assert.equal(state.desired, 1, "one copy, as the step adjustment says");
    const activities = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: target.ResourceId }));
    assert.match(activities.ScalingActivities![0]!.Cause!, new RegExp(`alarm ${name}-no-capacity in state ALARM triggered policy scale-from-zero`));
  });
});
