import { keys } from "../../state/keys.js";

/** The key prefix that holds a Describe call's policies or activities: those of one target, of one resource, or all (undefined). */
export function resourcePrefix(input: { ResourceId?: string; ScalableDimension?: string }): string | undefined {
  if (!input.ResourceId) return undefined;
  return !input.ScalableDimension ? keys.underResource(input.ResourceId) : keys.underTarget(input.ResourceId, input.ScalableDimension);
}

/** Whether a policy or activity belongs to the resource (and dimension) a Describe call names; the prefix alone may match a longer resource id. */
export function ofResource(input: { ResourceId?: string; ScalableDimension?: string }, record: { resourceId: string; scalableDimension: string }): boolean {
  return (!input.ResourceId || record.resourceId === input.ResourceId) && (!input.ScalableDimension || record.scalableDimension === input.ScalableDimension);
}
