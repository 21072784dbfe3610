import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApplicationAutoScalingClient,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeInferenceComponentCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

const dimension = "sagemaker:inference-component:DesiredCopyCount" as never;

describe("one set of capacity rules for the API and the autoscaler", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 0.5 } });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(() => berth?.stop());

  it("refuses a copy count during a rolling update, to a user with an error and to a step policy with a Failed activity", async () => {
    const options = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
    const aas = new ApplicationAutoScalingClient(options);
    const cloudwatch = new CloudWatchClient(options);
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2 }));
    const target = { ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${name}`, ScalableDimension: dimension };
    await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 4 }));
    const policy = await aas.send(
      new PutScalingPolicyCommand({
        ...target,
        PolicyName: "more",
        PolicyType: "StepScaling",
        StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
      }),
    );
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: `${name}-busy`,
        Namespace: "Test/Capacity",
        MetricName: "Unwritten",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [policy.PolicyARN!],
      }),
    );
    // One copy at a time, an hour (30 s at this scaling period) between batches: the update runs for a while.
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: echoComponent(endpoint, { env: { MODEL_VERSION: "2" } }).Specification,
        DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 3600 } },
      }),
    );

    await assert.rejects(
      berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: 3 } })),
      (e: Error) => e.name === "ValidationException" && /UPDATE_IN_PROGRESS/.test(e.message),
    );

    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: `${name}-busy`, StateValue: "ALARM", StateReason: "testing the rules" }));
    const failed = await eventually(
      async () => {
        const page = await aas.send(new DescribeScalingActivitiesCommand({ ...target }));
        return page.ScalingActivities!.find((a) => a.StatusCode === "Failed");
      },
      { what: "the step policy's refused scale-out to be recorded as a Failed activity" },
    );
    assert.match(failed.StatusMessage!, /Failed to set desired copy count to 3\. Reason: .*being updated/);
    assert.match(failed.Cause!, /triggered policy more/);
    const described = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
    assert.equal(described.RuntimeConfig!.DesiredCopyCount, 2, "the rolling update keeps its copy count");
  });

  it("refuses instance counts for a variant the endpoint does not have, naming the ones it has", async () => {
    await assert.rejects(
      berth.sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpoint,
          DesiredWeightsAndCapacities: [{ VariantName: "Nope", DesiredInstanceCount: 1 }],
        }),
      ),
      (e: Error) => e.name === "ValidationException" && /Variant 'Nope' does not exist .* Its variants are: AllTraffic/.test(e.message),
    );
  });
});
