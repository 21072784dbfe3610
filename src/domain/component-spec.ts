import type { InstanceTypeSpec } from "./catalog/instance-type.js";
import { checkShare } from "./accelerator-share.js";
import {
  instanceCapacity,
  requirementsToResources,
  type CapacityOptions,
  type ComputeResourceRequirements,
  type DeviceShare,
  type Resources,
} from "./compute.js";
import { sageMakerErrors } from "./errors/sagemaker.js";
import { shortfalls, type Shortfall } from "./fit.js";
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

/** What one copy reserves. A share stands for its device, so the copy needs no whole one. */
export function copyNeeds(requirements: ComputeResourceRequirements, share?: DeviceShare): Resources {
  return { ...requirementsToResources(requirements), ...(share ? { accelerators: 0 } : {}) };
}

/**
 * Why one copy can never be placed on an instance of the type: what it needs beyond an empty instance, as the
 * scheduler sees it (the fit check of src/domain/fit.ts). CreateInferenceComponent and UpdateInferenceComponent
 * refuse such a copy, and `berth deploy` checks its file with it before changing anything.
 */
export function copyShortfalls(needs: Resources, instanceType: InstanceTypeSpec, capacity: CapacityOptions): Shortfall[] {
  return shortfalls(instanceCapacity(instanceType, capacity), needs);
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
  const needs = copyNeeds(requirements, share);
  const short = copyShortfalls(needs, ctx.instanceType, ctx.capacity);
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
