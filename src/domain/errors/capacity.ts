import type { CapacityRefusal } from "../capacity-rules.js";
import { describeShortfalls } from "./sagemaker.js";
import { resourceAmount, resourceKeys, resourceLabel } from "../fit.js";

type CopiesNeedInstances = Extract<CapacityRefusal, { code: "CopiesNeedInstances" }>;
type CopyLargerThanInstance = Extract<CapacityRefusal, { code: "CopyLargerThanInstance" }>;
type CopiesDoNotPack = Extract<CapacityRefusal, { code: "CopiesDoNotPack" }>;

/** What an endpoint configuration whose instance type is too small for one copy of a component says. */
export function copyLargerThanInstanceText(refusal: CopyLargerThanInstance): string {
  return (
    `Variant '${refusal.variant}' of endpoint '${refusal.endpoint}' cannot move to ${refusal.instanceType} instances: one copy of inference component ` +
    `'${refusal.component}' needs more than one such instance offers (${describeShortfalls(refusal.shortfalls)}). ` +
    `Use an endpoint configuration with a larger instance type, or lower the component's ComputeResourceRequirements or delete it first.`
  );
}

/**
 * What an endpoint configuration whose instances hold the copies in sum, but not as whole copies pack onto
 * them, says: which component, how many of its copies fit, what a copy needs and an instance offers.
 */
export function copiesDoNotPackText(refusal: CopiesDoNotPack): string {
  const used = resourceKeys.filter((r) => refusal.needs[r] > 0);
  const needs = used.map((r) => `${resourceAmount(r, refusal.needs[r])} ${resourceLabel(r)}`).join(", ");
  const offers = used.map((r) => `${resourceAmount(r, refusal.capacity[r])} ${resourceLabel(r)}`).join(", ");
  const instances = `${refusal.requested} ${refusal.instanceType} instance${refusal.requested === 1 ? "" : "s"}`;
  return (
    `Variant '${refusal.variant}' of endpoint '${refusal.endpoint}' cannot move to ${instances}: only ${refusal.placed} of the ` +
    `${refusal.copies} copies of inference component '${refusal.component}' can be placed on them. Each copy needs ${needs} on one instance, ` +
    `and each instance offers ${offers}; a copy never spans instances, so the copies do not pack although they fit in sum. ` +
    `Use an endpoint configuration with ${refusal.minimum !== undefined ? `at least ${refusal.minimum} ${refusal.instanceType} instances` : "more instances"} ` +
    `or an instance type that holds more copies each, or scale the inference component down first.`
  );
}

/** What a lowered instance count refused for the copies it would leave without room says, for the API and the autoscaler alike. */
export function copiesNeedInstancesText(refusal: CopiesNeedInstances): string {
  const copies = refusal.copies.map((c) => `${c.component}: ${c.copies} ${c.copies === 1 ? "copy" : "copies"}`).join(", ");
  const head = `Variant '${refusal.variant}' of endpoint '${refusal.endpoint}' cannot go to ${refusal.requested} instance${refusal.requested === 1 ? "" : "s"}`;
  if (refusal.requested === 0)
    return (
      `${head}: its inference components still want copies (${copies}), and copies need instances. ` +
      `Scale those inference components to 0 copies (UpdateInferenceComponentRuntimeConfig) or delete them first; ` +
      `a variant goes to 0 instances only once its inference components want no copies.`
    );
  return (
    `${head}: the copies its inference components want (${copies}) need at least ${refusal.minimum} instances` +
    `${refusal.shortOf ? ` (${refusal.shortOf})` : ""}. Scale those inference components down or delete some first, or keep at least ${refusal.minimum} instances.`
  );
}

/** Why the autoscaler could not set a capacity, as a Failed scaling activity's StatusMessage says it. */
export function capacityRefusalReason(refusal: CapacityRefusal): string {
  switch (refusal.code) {
    case "ComponentDeleting":
      return `Inference component ${refusal.component} is being deleted; its copy count cannot change. Deregister the scalable target.`;
    case "RolloutInProgress":
      return `Inference component ${refusal.component} is being updated; its copy count cannot change until the update finishes. Scaling resumes after it.`;
    case "AdapterHasNoCopies":
      return `Inference component ${refusal.component} is an adapter and has no copies of its own. Scale its base inference component instead.`;
    case "CopyQuota":
      return `${refusal.requested} copies of inference component ${refusal.component} exceed quotas.maxCopiesPerComponent (${refusal.limit}). Lower MaxCapacity or raise the quota.`;
    case "EndpointNotInService":
      return `Endpoint ${refusal.endpoint} is ${refusal.status}; its instance counts can change only while it is InService. Scaling resumes once it is.`;
    case "VariantNotFound":
      return `Endpoint ${refusal.endpoint} has no variant ${refusal.variant} (it has ${refusal.variants.join(", ")}). Deregister the scalable target.`;
    case "InstanceQuota":
      return `${refusal.requested} instances (${refusal.what}) on endpoint ${refusal.endpoint} exceed quotas.maxInstancesPerEndpoint (${refusal.limit}). Lower MaxCapacity or raise the quota.`;
    case "CopiesNeedInstances":
      return `${copiesNeedInstancesText(refusal)} Or raise MinCapacity to ${refusal.minimum}.`;
    case "CopyLargerThanInstance":
      return copyLargerThanInstanceText(refusal);
    case "CopiesDoNotPack":
      return copiesDoNotPackText(refusal);
  }
}
