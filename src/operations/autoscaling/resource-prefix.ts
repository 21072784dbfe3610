import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import { keys } from "../../state/keys.js";
import type { BerthRecords } from "../../state/records.js";
import type { AutoscalingDeps } from "./deps.js";

/** The key prefix that holds a Describe call's policies or activities: those of one target, of one resource, or all (undefined). */
export function resourcePrefix(input: { ResourceId?: string; ScalableDimension?: string }): string | undefined {
  if (!input.ResourceId) return undefined;
  return !input.ScalableDimension ? keys.underResource(input.ResourceId) : keys.underTarget(input.ResourceId, input.ScalableDimension);
}

/** Whether a policy or activity belongs to the resource (and dimension) a Describe call names; the prefix alone may match a longer resource id. */
export function ofResource(input: { ResourceId?: string; ScalableDimension?: string }, record: { resourceId: string; scalableDimension: string }): boolean {
  return (!input.ResourceId || record.resourceId === input.ResourceId) && (!input.ScalableDimension || record.scalableDimension === input.ScalableDimension);
}

type TargetRecordKind = "scaling-policy" | "scaling-activity" | "scheduled-action";

/**
 * What DescribeScalingPolicies, DescribeScalingActivities and DescribeScheduledActions do first: check the
 * namespace and that a ScalableDimension comes with its ResourceId, then read the records of that kind
 * that belong to the resource (and dimension) named, or all of them.
 */
export async function recordsOfResource<K extends TargetRecordKind>(
  deps: AutoscalingDeps,
  kind: K,
  input: { ServiceNamespace: string; ResourceId?: string; ScalableDimension?: string },
): Promise<BerthRecords[K][]> {
  if (input.ServiceNamespace !== "sagemaker") throw autoscalingErrors.onlySageMaker(input.ServiceNamespace);
  if (input.ScalableDimension !== undefined && input.ResourceId === undefined) throw autoscalingErrors.dimensionNeedsResource();
  return (await deps.store.list(kind, { prefix: resourcePrefix(input) })).map((e) => e.value as BerthRecords[K]).filter((r) => ofResource(input, r));
}
