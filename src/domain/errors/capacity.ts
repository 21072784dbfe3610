import type { CapacityRefusal } from "../capacity-rules.js";

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
  }
}
