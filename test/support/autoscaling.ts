import { PutScalingPolicyCommand, RegisterScalableTargetCommand, type ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { defaultQuotas } from "../../src/config/quotas.js";
import { Autoscaler } from "../../src/controllers/autoscaling/autoscaler.js";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import type { BerthStore } from "../../src/state/records.js";
import { silentLogger } from "../../src/util/logger.js";
import { TimeScale } from "../../src/util/time-scale.js";

/** The autoscaling controller on a store, its clock stopped at `nowMs`, with no metrics recorded: for tests that run its passes themselves. */
export function autoscalerAt(store: BerthStore, nowMs: number): Autoscaler {
  return new Autoscaler({
    store,
    clock: { now: () => nowMs, setTimeout, clearTimeout } as never,
    log: silentLogger(),
    scale: new TimeScale(60),
    metrics: new MemoryMetricsStore({ bucketMs: 10_000 }),
    quotas: defaultQuotas,
    deregister: async () => {},
  });
}

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
