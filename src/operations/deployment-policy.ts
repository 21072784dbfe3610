import { deploymentErrors } from "../domain/errors/sagemaker.js";
import type { RolloutPolicy } from "../domain/resources.js";
import type { TimeScale } from "../util/time-scale.js";

export interface CapacitySize {
  Type: "COPY_COUNT" | "CAPACITY_PERCENT";
  Value: number;
}

export interface InferenceComponentDeploymentConfig {
  RollingUpdatePolicy: {
    MaximumBatchSize: CapacitySize;
    WaitIntervalInSeconds: number;
    MaximumExecutionTimeoutInSeconds?: number;
    RollbackMaximumBatchSize?: CapacitySize;
  };
  AutoRollbackConfiguration?: { Alarms?: { AlarmName: string }[] };
}

/** The service model's upper bound for MaximumExecutionTimeoutInSeconds, used when none is given. */
const defaultTimeoutSeconds = 28_800;

function copies(size: CapacitySize, desired: number): number {
  return size.Type === "COPY_COUNT" ? size.Value : Math.max(1, Math.floor((desired * size.Value) / 100));
}

/**
 * Turns UpdateInferenceComponent's DeploymentConfig into a rollout policy; without one the update is
 * blue/green, as SageMaker does it. Batches must be 5–50% of the copies, and at least one copy.
 */
export function rolloutPolicy(name: string, config: InferenceComponentDeploymentConfig | undefined, desired: number, scale: TimeScale): RolloutPolicy {
  if (!config) return { kind: "blue-green", batchSize: desired, rollbackBatchSize: desired, waitMs: 0, timeoutMs: scale.ms(defaultTimeoutSeconds), alarms: [] };
  const rolling = config.RollingUpdatePolicy;
  const batch = rolling.MaximumBatchSize;
  if (batch.Type === "CAPACITY_PERCENT" && (batch.Value < 5 || batch.Value > 50)) throw deploymentErrors.percentOutOfRange("MaximumBatchSize", batch.Value);
  const batchSize = copies(batch, desired);
  if (batch.Type === "COPY_COUNT" && batchSize > Math.max(1, Math.floor(desired / 2))) throw deploymentErrors.batchTooLarge(name, batchSize, desired);
  const rollback = rolling.RollbackMaximumBatchSize;
  if (rollback?.Type === "CAPACITY_PERCENT" && (rollback.Value < 5 || rollback.Value > 100)) throw deploymentErrors.rollbackPercentOutOfRange(rollback.Value);
  return {
    kind: "rolling",
    batchSize,
    rollbackBatchSize: rollback ? copies(rollback, desired) : Math.max(1, desired),
    waitMs: scale.ms(rolling.WaitIntervalInSeconds),
    timeoutMs: scale.ms(rolling.MaximumExecutionTimeoutInSeconds ?? defaultTimeoutSeconds),
    alarms: (config.AutoRollbackConfiguration?.Alarms ?? []).map((a) => a.AlarmName),
  };
}
