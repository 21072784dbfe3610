import type { InstanceTypeSpec } from "./catalog/instance-type.js";
import { checkShare } from "./accelerator-share.js";
import { instanceCapacity, requirementsToResources, type CapacityOptions, type ComputeResourceRequirements, type DeviceShare } from "./compute.js";
import { sageMakerErrors } from "./errors/sagemaker.js";
import { shortfalls } from "./fit.js";
import type { ModelRecord, PlacementStrategy, ProductionVariant, ResolvedSpec } from "./resources.js";

export interface ComponentSpecification {
  ModelName?: string;
  Container?: { Image?: string; ArtifactUrl?: string; Environment?: Record<string, string> };
  StartupParameters?: { ModelDataDownloadTimeoutInSeconds?: number; ContainerStartupHealthCheckTimeoutInSeconds?: number };
  ComputeResourceRequirements?: ComputeResourceRequirements;
  BaseInferenceComponentName?: string;
  SchedulingConfig?: { PlacementStrategy: PlacementStrategy };
  [member: string]: unknown;
}

export const defaultStartupTimeoutSeconds = 600;
export const defaultDownloadTimeoutSeconds = 600;
export const defaultPlacementStrategy: PlacementStrategy = "SPREAD";

export interface ResolveContext {
  componentName: string;
  endpointName: string;
  variant: ProductionVariant;
  instanceType: InstanceTypeSpec;
  capacity: CapacityOptions;
  /** Part of one accelerator, from the component's share tags; checked against one device of the type. */
  share?: DeviceShare;
  /** The model named by the specification, when it names one. */
  model?: ModelRecord;
  version: number;
}

/**
 * Turns a specification into what a copy runs and reserves. The IC's container settings override the
 * model's, and its environment is laid over the model's. Refuses a copy that fails the scheduler's fit check
 * (src/domain/fit.ts) on one empty instance of the variant's type, since no number of instances could hold it.
 */
export function resolveSpec(spec: ComponentSpecification, ctx: ResolveContext): ResolvedSpec {
  const modelContainer = ctx.model?.definition.PrimaryContainer ?? ctx.model?.definition.Containers?.[0];
  const image = spec.Container?.Image ?? modelContainer?.Image;
  if (!image) throw sageMakerErrors.containerOrModel(ctx.componentName);
  const requirements = spec.ComputeResourceRequirements;
  if (!requirements) throw sageMakerErrors.requirementsMissing(ctx.componentName);
  if (requirements.MaxMemoryRequiredInMb !== undefined && requirements.MaxMemoryRequiredInMb < requirements.MinMemoryRequiredInMb) {
    throw sageMakerErrors.maxBelowMin(ctx.componentName, requirements.MinMemoryRequiredInMb, requirements.MaxMemoryRequiredInMb);
  }
  const share = ctx.share;
  if (share) {
    checkShare(share, {
      componentName: ctx.componentName,
      endpointName: ctx.endpointName,
      instanceType: ctx.instanceType,
      acceleratorsRequired: requirements.NumberOfAcceleratorDevicesRequired,
    });
  }
  // A share stands for its device, so the copy needs no whole one.
  const needs = { ...requirementsToResources(requirements), ...(share ? { accelerators: 0 } : {}) };
  // An empty instance of the variant's type, as the scheduler sees it: the copy must fit there at least.
  const short = shortfalls(instanceCapacity(ctx.instanceType, ctx.capacity), needs);
  if (short.length > 0) throw sageMakerErrors.componentTooLarge(ctx.componentName, ctx.endpointName, ctx.instanceType.instanceType, short);
  return {
    version: ctx.version,
    image,
    artifactUrl: spec.Container?.ArtifactUrl ?? modelContainer?.ModelDataUrl,
    environment: { ...(modelContainer?.Environment ?? {}), ...(spec.Container?.Environment ?? {}) },
    modelName: spec.ModelName,
    needs,
    ...(share ? { share } : {}),
    maxMemoryMiB: requirements.MaxMemoryRequiredInMb,
    strategy: spec.SchedulingConfig?.PlacementStrategy ?? defaultPlacementStrategy,
    startupTimeoutSeconds:
      spec.StartupParameters?.ContainerStartupHealthCheckTimeoutInSeconds ??
      ctx.variant.ContainerStartupHealthCheckTimeoutInSeconds ??
      defaultStartupTimeoutSeconds,
    downloadTimeoutSeconds:
      spec.StartupParameters?.ModelDataDownloadTimeoutInSeconds ?? ctx.variant.ModelDataDownloadTimeoutInSeconds ?? defaultDownloadTimeoutSeconds,
  };
}

/** A single-model variant's copy runs the model's container and occupies its instance whole, as SageMaker hosts it. */
export function resolveVariantSpec(
  model: ModelRecord,
  variant: ProductionVariant,
  instanceType: InstanceTypeSpec,
  capacity: CapacityOptions,
  version: number,
): ResolvedSpec {
  const container = model.definition.PrimaryContainer ?? model.definition.Containers?.[0];
  const whole = instanceCapacity(instanceType, capacity);
  return {
    version,
    image: container?.Image ?? "",
    artifactUrl: container?.ModelDataUrl,
    environment: { ...(container?.Environment ?? {}) },
    modelName: model.name,
    needs: whole,
    strategy: "SPREAD",
    startupTimeoutSeconds: variant.ContainerStartupHealthCheckTimeoutInSeconds ?? defaultStartupTimeoutSeconds,
    downloadTimeoutSeconds: variant.ModelDataDownloadTimeoutInSeconds ?? defaultDownloadTimeoutSeconds,
  };
}
