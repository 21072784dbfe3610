import fc from "fast-check";
import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { credentials, type BerthProcess } from "../berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../fixtures.js";
import type { MemberPools } from "./valid-inputs.js";

export interface SeededResources {
  model: string;
  endpoint: string;
  endpointConfig: string;
  component: string;
  policy: string;
  alarm: string;
  /** Where generated inputs draw resource names, images and URLs: seeded names and a few that do not exist. */
  pools: MemberPools;
}

/**
 * One of each resource, so generated requests that name them reach the update and delete paths: a model,
 * an endpoint with its configuration, an inference component with one echo copy, a scalable target that
 * cannot scale (min = max = 1), a step-scaling policy, a scheduled action and an alarm on a metric nobody writes.
 */
export async function seedResources(berth: BerthProcess): Promise<SeededResources> {
  const model = "hostile-model";
  await berth.sagemaker.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: "berth/echo" } }));
  const endpoint = await createIcEndpoint(berth.sagemaker, { name: "hostile-ep", instanceType: "ml.g5.xlarge" });
  const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "hostile-ic", accelerators: 0, cpu: 1, memory: 512 }));
  const clientOptions = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
  const aas = new ApplicationAutoScalingClient(clientOptions);
  const target = {
    ServiceNamespace: "sagemaker" as const,
    ResourceId: `inference-component/${component}`,
    ScalableDimension: "sagemaker:inference-component:DesiredCopyCount" as const,
  };
  await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 1 }));
  const policy = "hostile-step";
  await aas.send(
    new PutScalingPolicyCommand({
      ...target,
      PolicyName: policy,
      PolicyType: "StepScaling",
      StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
    }),
  );
  const scheduled = "hostile-nights";
  await aas.send(
    new PutScheduledActionCommand({ ...target, ScheduledActionName: scheduled, Schedule: "cron(0 20 * * ? *)", ScalableTargetAction: { MinCapacity: 1 } }),
  );
  const alarm = "hostile-alarm";
  await new CloudWatchClient(clientOptions).send(
    new PutMetricAlarmCommand({
      AlarmName: alarm,
      Namespace: "Hostile",
      MetricName: "Unwritten",
      Statistic: "Sum",
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanThreshold",
    }),
  );
  const endpointConfig = `${endpoint}-cfg`;
  // Counts stay small in valid-shaped inputs: each accepted one starts real instances and copies on this 2-core machine.
  const pools: MemberPools = {
    ModelName: fc.constantFrom(model, "hostile-other-model"),
    EndpointName: fc.constantFrom(endpoint, "hostile-other-ep"),
    EndpointConfigName: fc.constantFrom(endpointConfig, "hostile-other-cfg"),
    InferenceComponentName: fc.constantFrom(component, "hostile-other-ic"),
    BaseInferenceComponentName: fc.constantFrom(component, "hostile-other-ic"),
    VariantName: fc.constantFrom("AllTraffic", "hostile-variant"),
    AlarmName: fc.constantFrom(alarm, "hostile-other-alarm"),
    PolicyName: fc.constantFrom(policy, "hostile-other-policy"),
    ScheduledActionName: fc.constantFrom(scheduled, "hostile-other-action"),
    Schedule: fc.constantFrom("cron(0 20 * * ? *)", "rate(1 day)", "at(2030-01-01T00:00:00)", "rate(1 days)", "cron(0 9 * * MON *)"),
    Timezone: fc.constantFrom("UTC", "Europe/Berlin", "Mars/Olympus_Mons"),
    ResourceId: fc.constantFrom(target.ResourceId, `endpoint/${endpoint}/variant/AllTraffic`, "inference-component/hostile-other-ic"),
    Image: fc.constantFrom("berth/echo", "hostile/no-such-image"),
    ModelDataUrl: fc.constant("https://127.0.0.1:1/hostile-model.tar.gz"),
    S3Uri: fc.constant("https://127.0.0.1:1/hostile-model.tar.gz"),
    ArtifactUrl: fc.constant("https://127.0.0.1:1/hostile-model.tar.gz"),
    InitialInstanceCount: fc.integer({ min: 1, max: 2 }),
    MinInstanceCount: fc.integer({ min: 0, max: 1 }),
    MaxInstanceCount: fc.integer({ min: 1, max: 2 }),
    DesiredInstanceCount: fc.integer({ min: 0, max: 2 }),
    CopyCount: fc.integer({ min: 0, max: 2 }),
    MinCapacity: fc.integer({ min: 0, max: 1 }),
    MaxCapacity: fc.integer({ min: 1, max: 2 }),
  };
  return { model, endpoint, endpointConfig, component, policy, alarm, pools };
}
