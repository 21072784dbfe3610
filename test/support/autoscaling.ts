import { PutScalingPolicyCommand, RegisterScalableTargetCommand, type ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";

/** Registers a component's scalable target between min and max copies (min 0: a request at zero copies wakes it). */
export async function registerCopyRange(aas: ApplicationAutoScalingClient, component: string, min: number, max: number): Promise<void> {
  await aas.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: "sagemaker",
      ResourceId: `inference-component/${component}`,
      ScalableDimension: "sagemaker:inference-component:DesiredCopyCount",
      MinCapacity: min,
      MaxCapacity: max,
    }),
  );
}

/** Registers a component's scalable target and a target-tracking policy on one request in flight per copy (high resolution). */
export async function trackConcurrency(aas: ApplicationAutoScalingClient, component: string, min: number, max: number): Promise<void> {
  const target = {
    ServiceNamespace: "sagemaker" as const,
    ResourceId: `inference-component/${component}`,
    ScalableDimension: "sagemaker:inference-component:DesiredCopyCount" as never,
  };
  await registerCopyRange(aas, component, min, max);
  await aas.send(
    new PutScalingPolicyCommand({
      ...target,
      PolicyName: "concurrency",
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 1,
        PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution" },
        ScaleOutCooldown: 60,
        ScaleInCooldown: 60,
      },
    }),
  );
}
