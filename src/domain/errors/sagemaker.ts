import { resourceAmount, resourceLabel, type Shortfall } from "../fit.js";
import { BerthError } from "./berth-error.js";

const validation = (message: string) => new BerthError({ code: "ValidationException", httpStatus: 400, message });

export type ResourceNoun = "model" | "endpoint configuration" | "endpoint" | "inference component";

export function describeShortfalls(shortfalls: readonly Shortfall[]): string {
  return shortfalls
    .map((s) => `${resourceLabel(s.resource)}: needs ${resourceAmount(s.resource, s.needed)}, has ${resourceAmount(s.resource, s.available)}`)
    .join("; ");
}

/** Why a user-set tag key is refused: `aws:` is AWS's own, `berth:` is kept for Berth (see README, "Tags"). */
export function reservedTagText(key: string, prefix: string): string {
  return prefix === "aws:"
    ? `Tag key '${key}' is refused: tag keys starting with 'aws:' are reserved for AWS use.`
    : `Tag key '${key}' is refused: tag keys starting with '${prefix}' are reserved for Berth's own tags.`;
}

/** SageMaker (awsJson1_1) errors. Texts that clients match on are kept verbatim from the service. */
export const sageMakerErrors = {
  /** Coral-style field validation, as the service model's constraints are checked. */
  fieldValidation: (violations: string[]) =>
    validation(`${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`),
  invalid: (message: string) => validation(message),
  notFound: (noun: ResourceNoun, arnOrName: string) => validation(`Could not find ${noun} "${arnOrName}".`),
  alreadyExists: (noun: ResourceNoun, arn: string) => validation(`Cannot create already existing ${noun} "${arn}".`),
  unknownInstanceType: (instanceType: string, known: string[]) =>
    validation(
      `Instance type '${instanceType}' is not in Berth's instance catalog, so its capacity is unknown. ` +
        `Use one of: ${known.join(", ")}; or add the type to the catalog (see README, "Instance catalog").`,
    ),
  componentTooLarge: (component: string, endpoint: string, instanceType: string, shortfalls: readonly Shortfall[]) =>
    validation(
      `There is not enough hardware resources on the instances for this endpoint to create a copy of the inference component. ` +
        `Inference component '${component}' needs more per copy than one ${instanceType} instance of endpoint '${endpoint}' can offer (${describeShortfalls(shortfalls)}). ` +
        `Lower its ComputeResourceRequirements or host it on an endpoint with a larger instance type.`,
    ),
  variantNotFound: (variant: string, endpoint: string, variants: string[]) =>
    validation(`Variant '${variant}' does not exist on endpoint '${endpoint}'. Its variants are: ${variants.join(", ")}.`),
  variantRequired: (endpoint: string, variants: string[]) =>
    validation(`Endpoint '${endpoint}' has several variants (${variants.join(", ")}); set VariantName to choose one.`),
  variantHostsModel: (endpoint: string, variant: string, model: string) =>
    validation(
      `Variant '${variant}' of endpoint '${endpoint}' hosts model '${model}' directly, so it cannot host inference components. ` +
        `Create an endpoint configuration whose variant has no ModelName for inference components.`,
    ),
  endpointNotUsable: (endpoint: string, status: string, action: string) =>
    validation(`Cannot ${action} because endpoint '${endpoint}' is in status ${status}. Wait until it is InService, or create a new endpoint.`),
  endpointHasComponents: (endpoint: string, components: string[]) =>
    validation(
      `Cannot delete endpoint '${endpoint}' while inference components are deployed on it (${components.join(", ")}). ` +
        `Delete those inference components first.`,
    ),
  endpointWrongState: (endpointArn: string, status: string, action: string) =>
    validation(`Cannot ${action} endpoint "${endpointArn}" while it is in status ${status}. Wait for the current operation to finish.`),
  componentWrongState: (name: string, state: string, action: string) =>
    validation(`Cannot ${action} inference component "${name}" while it is in state ${state}. Wait for the current operation to finish and retry.`),
  specificationChoice: () => validation("Set exactly one of Specification or Specifications for an inference component."),
  containerOrModel: (name: string) => validation(`Inference component '${name}' needs a model: set Specification.ModelName or Specification.Container.Image.`),
  requirementsMissing: (name: string) =>
    validation(`Inference component '${name}' needs Specification.ComputeResourceRequirements (at least MinMemoryRequiredInMb).`),
  maxBelowMin: (name: string, min: number, max: number) =>
    validation(
      `Inference component '${name}': MaxMemoryRequiredInMb (${max}) is below MinMemoryRequiredInMb (${min}). Raise the maximum or lower the minimum.`,
    ),
  modelWithoutContainer: (model: string) => validation(`Model '${model}' must have a PrimaryContainer or Containers with an Image.`),
  modelWithBothContainers: (model: string) =>
    validation(
      `Model '${model}' has both PrimaryContainer and Containers; give only one of them (PrimaryContainer for a single container, Containers for a list of them).`,
    ),
  variantNeedsInstances: (variant: string) =>
    validation(`Variant '${variant}' needs InstanceType and InitialInstanceCount (serverless variants are not supported by Berth).`),
  duplicateVariant: (variant: string) => validation(`Variant name '${variant}' appears more than once; variant names must be unique in a configuration.`),
  managedScalingRange: (variant: string, min: number, max: number) =>
    validation(`Variant '${variant}': ManagedInstanceScaling.MinInstanceCount (${min}) is greater than MaxInstanceCount (${max}).`),
  mixedVariants: () =>
    validation("An endpoint configuration's variants must either all name a ModelName (single-model hosting) or none (inference components)."),
  invalidNextToken: () => validation("The NextToken is not valid for this request. Start again without NextToken."),
  nothingToUpdate: (name: string) =>
    validation(`UpdateInferenceComponent for '${name}' changes nothing: set Specification or RuntimeConfig (a DeploymentConfig alone is not an update).`),
  updateChangesKind: (endpoint: string) =>
    validation(`Endpoint '${endpoint}' cannot switch between single-model variants and inference-component variants; create a new endpoint instead.`),
  updateDropsVariant: (endpoint: string, variant: string, components: string[]) =>
    validation(
      `The new configuration for endpoint '${endpoint}' has no variant '${variant}', which hosts inference components (${components.join(", ")}). Keep the variant or delete those components first.`,
    ),
  artifactUrlRefused: (field: string, problem: string) => validation(`${field} is refused. ${problem}`),
  unsupported: (what: string, instead: string) => validation(`${what} is not supported by Berth. ${instead}`),
  tooManyTags: (arn: string, count: number, limit: number) =>
    validation(
      `Resource "${arn}" would have ${count} tags, more than the limit of ${limit} tags per resource. Delete tags with DeleteTags first, or add fewer.`,
    ),
  reservedTagKey: (key: string, prefix: string) => validation(reservedTagText(key, prefix)),
  prefixTagFixed: (key: string) =>
    validation(
      `Tag key '${key}' is refused: it sets an endpoint configuration's prefix matching, which is fixed by CreateEndpointConfig's Tags. ` +
        `To change it, create a new endpoint configuration with the new value and move the endpoint to it with UpdateEndpoint.`,
    ),
  shareTagFixed: (key: string) =>
    validation(
      `Tag key '${key}' is refused: it sets an inference component's share of an accelerator, which is fixed by CreateInferenceComponent's Tags. ` +
        `UpdateInferenceComponent keeps the share for every new version; to change it, create a new inference component with the new value and delete this one.`,
    ),
  untaggableArn: (arn: string) =>
    validation(
      `Berth cannot tag resource "${arn}": it serves tags on models, endpoint configurations, endpoints and inference components (arn:aws:sagemaker:<region>:<account>:model/<name>, endpoint-config/<name>, endpoint/<name>, inference-component/<name>).`,
    ),
  tooManyResources: (noun: ResourceNoun, limit: number) =>
    new BerthError({
      code: "ResourceLimitExceeded",
      httpStatus: 400,
      message: `The limit of ${limit} ${noun}s has been reached. Delete unused ones or raise the limit in the server config.`,
    }),
};

/** Errors of UpdateInferenceComponent's deployment configuration. */
export const deploymentErrors = {
  batchTooLarge: (name: string, batch: number, copies: number) =>
    validation(
      `MaximumBatchSize for '${name}' is ${batch} copies, more than half of its ${copies} copies. A rolling batch must be 5–50% of the copy count (at least 1 copy); lower MaximumBatchSize or omit DeploymentConfig for a blue/green update.`,
    ),
  percentOutOfRange: (field: string, value: number) => validation(`${field} of type CAPACITY_PERCENT must be from 5 to 50 percent, got ${value}.`),
  rollbackPercentOutOfRange: (value: number) => validation(`RollbackMaximumBatchSize of type CAPACITY_PERCENT must be from 5 to 100 percent, got ${value}.`),
  unknownAlarm: (alarm: string) => validation(`AutoRollbackConfiguration names alarm '${alarm}', which does not exist. Create it with PutMetricAlarm first.`),
  adapterRuntimeConfig: (name: string) => validation(`Adapter inference component '${name}' has no copies of its own; it takes no RuntimeConfig.`),
};

/** Errors of adapter inference components (BaseInferenceComponentName). */
export const adapterErrors = {
  otherEndpoint: (name: string, base: string, endpoint: string) =>
    validation(`Adapter '${name}' must be on the endpoint of its base inference component '${base}' (${endpoint}).`),
  baseIsAdapter: (name: string, base: string) =>
    validation(`Inference component '${base}' is itself an adapter, so '${name}' cannot use it as its base. Name the base model's inference component.`),
  artifactRequired: (name: string) =>
    validation(
      `Adapter inference component '${name}' needs Specification.Container.ArtifactUrl: the adapter's weights (a directory or .tar.gz holding adapter.gguf).`,
    ),
  onlyArtifact: (name: string) =>
    validation(
      `Adapter inference component '${name}' takes only BaseInferenceComponentName and Container.ArtifactUrl; it runs in its base's copies, so remove Image, ModelName and ComputeResourceRequirements.`,
    ),
  baseHasAdapters: (base: string, adapters: string[]) =>
    validation(
      `Cannot delete inference component "${base}": it is a base inference component for one or more associated adapter inference components (${adapters.join(", ")}). Delete those first.`,
    ),
};
