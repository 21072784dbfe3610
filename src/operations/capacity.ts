import type { CapacityRefusal } from "../domain/capacity-rules.js";
import { copiesDoNotPackText, copiesNeedInstancesText, copyLargerThanInstanceText } from "../domain/errors/capacity.js";
import { quotaErrors } from "../domain/errors/quotas.js";
import { deploymentErrors, sageMakerErrors } from "../domain/errors/sagemaker.js";
import type { BerthError } from "../domain/errors/berth-error.js";

/**
 * The SageMaker error an API operation answers a refused capacity change with. `field` names the
 * request field that asked for the copies; `action` says what was asked, as the errors phrase it.
 */
export function capacityRefusalError(refusal: CapacityRefusal, context: { field?: string } = {}): BerthError {
  switch (refusal.code) {
    case "ComponentDeleting":
      return sageMakerErrors.componentWrongState(refusal.component, "DELETE_IN_PROGRESS", "update");
    case "RolloutInProgress":
      return sageMakerErrors.componentWrongState(refusal.component, "UPDATE_IN_PROGRESS", "change the copy count of");
    case "AdapterHasNoCopies":
      return deploymentErrors.adapterRuntimeConfig(refusal.component);
    case "CopyQuota":
      return quotaErrors.copiesPerComponent(context.field ?? "CopyCount", refusal.requested, refusal.limit);
    case "EndpointNotInService":
      return sageMakerErrors.endpointWrongState(refusal.endpointArn, refusal.status, "update the weights and capacities of");
    case "VariantNotFound":
      return sageMakerErrors.variantNotFound(refusal.variant, refusal.endpoint, refusal.variants);
    case "InstanceQuota":
      return quotaErrors.instancesPerEndpoint(refusal.what, refusal.requested, refusal.limit);
    case "CopiesNeedInstances":
      return sageMakerErrors.invalid(copiesNeedInstancesText(refusal));
    case "CopyLargerThanInstance":
      return sageMakerErrors.invalid(copyLargerThanInstanceText(refusal));
    case "CopiesDoNotPack":
      return sageMakerErrors.invalid(copiesDoNotPackText(refusal));
  }
}
