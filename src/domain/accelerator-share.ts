import { deviceMemoryMiB, type DeviceShare } from "./compute.js";
import type { InstanceTypeSpec } from "./catalog/instance-type.js";
import { sageMakerErrors } from "./errors/sagemaker.js";
import type { Tag } from "./resources.js";

/**
 * The tags that ask for part of one accelerator: the documented exceptions to the reserved `berth:`
 * prefix (README, "Fractional accelerators"). The official SDKs carry tags unchanged, and the service
 * model's NumberOfAcceleratorDevicesRequired cannot go below 1, so a share travels as tags.
 */
export const shareTagKeys = {
  memory: "berth:AcceleratorMemoryRequiredInMb",
  compute: "berth:AcceleratorComputePercent",
} as const;

const keys: readonly string[] = Object.values(shareTagKeys);

export function isShareTagKey(key: string): boolean {
  return keys.includes(key);
}

/** Parses the share tags; undefined when there are none. Refuses values that are not whole numbers in range. */
export function shareFromTags(tags: readonly Tag[]): DeviceShare | undefined {
  const value = (key: string) => tags.find((t) => t.Key === key)?.Value;
  const memory = value(shareTagKeys.memory);
  const compute = value(shareTagKeys.compute);
  if (memory === undefined) {
    if (compute !== undefined)
      throw sageMakerErrors.invalid(
        `Tag '${shareTagKeys.compute}' needs tag '${shareTagKeys.memory}' too: a share of an accelerator is asked for by its memory.`,
      );
    return undefined;
  }
  const memoryMiB = wholeNumber(memory);
  if (memoryMiB === undefined || memoryMiB < 1) {
    throw sageMakerErrors.invalid(`Tag '${shareTagKeys.memory}' must be a whole number of MiB greater than 0; got '${memory}'.`);
  }
  if (compute === undefined) return { memoryMiB };
  const computePercent = wholeNumber(compute);
  if (computePercent === undefined || computePercent < 1 || computePercent > 100) {
    throw sageMakerErrors.invalid(`Tag '${shareTagKeys.compute}' must be a whole number from 1 to 100; got '${compute}'.`);
  }
  return { memoryMiB, computePercent };
}

/** A share needs exactly one device in the requirements and must fit one device of the variant's instance type. */
export function checkShare(
  share: DeviceShare,
  ctx: { componentName: string; endpointName: string; instanceType: InstanceTypeSpec; acceleratorsRequired: number | undefined },
): void {
  if (ctx.acceleratorsRequired !== 1) {
    throw sageMakerErrors.invalid(
      `Inference component '${ctx.componentName}' asks for part of one accelerator (tag '${shareTagKeys.memory}'), so ` +
        `ComputeResourceRequirements.NumberOfAcceleratorDevicesRequired must be 1; got ${ctx.acceleratorsRequired ?? "none"}.`,
    );
  }
  const device = deviceMemoryMiB(ctx.instanceType);
  if (device === 0) {
    throw sageMakerErrors.invalid(
      `Inference component '${ctx.componentName}' asks for part of one accelerator (tag '${shareTagKeys.memory}'), but ${ctx.instanceType.instanceType}, ` +
        `the instance type of endpoint '${ctx.endpointName}', has no accelerators.`,
    );
  }
  if (share.memoryMiB > device) {
    throw sageMakerErrors.invalid(
      `Inference component '${ctx.componentName}' asks for ${share.memoryMiB} MiB of accelerator memory (tag '${shareTagKeys.memory}'), ` +
        `more than one ${ctx.instanceType.instanceType} device of endpoint '${ctx.endpointName}' has (${device} MiB).`,
    );
  }
}

/** Up to 10 digits, so the value stays a safe integer. */
function wholeNumber(text: string): number | undefined {
  return /^[0-9]{1,10}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}
