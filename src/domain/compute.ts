import type { InstanceTypeSpec } from "./catalog/instance-type.js";

/**
 * Resources are integers: whole accelerator devices, CPU millicores and MiB, so that placement never
 * depends on float tolerance.
 */
export interface Resources {
  accelerators: number;
  cpuMillis: number;
  memoryMiB: number;
}

/**
 * Part of one accelerator (Berth's addition beyond SageMaker, asked for by tags; see accelerator-share.ts):
 * a copy with a share holds one device together with other shares, never with a whole-device copy.
 * Memory is never over-committed; the compute percentages on one device add up to at most 100.
 */
export interface DeviceShare {
  memoryMiB: number;
  computePercent?: number;
}

export interface ComputeResourceRequirements {
  NumberOfCpuCoresRequired?: number;
  NumberOfAcceleratorDevicesRequired?: number;
  MinMemoryRequiredInMb: number;
  MaxMemoryRequiredInMb?: number;
}

export interface CapacityOptions {
  /** Share of host memory kept back for the OS and the agent (SageMaker also schedules less than raw memory). */
  memoryHeadroomFraction: number;
}

export const defaultCapacityOptions: CapacityOptions = { memoryHeadroomFraction: 0.1 };

export const resourceNames: Record<keyof Resources, { label: string; unit: string }> = {
  accelerators: { label: "accelerator devices", unit: "" },
  cpuMillis: { label: "CPU cores", unit: "" },
  memoryMiB: { label: "memory", unit: " MiB" },
};

/** Fractional accelerator requests are rounded up to whole devices until fractional sharing exists. */
export function requirementsToResources(req: ComputeResourceRequirements): Resources {
  return {
    accelerators: Math.ceil(req.NumberOfAcceleratorDevicesRequired ?? 0),
    cpuMillis: Math.round((req.NumberOfCpuCoresRequired ?? 0) * 1000),
    memoryMiB: req.MinMemoryRequiredInMb,
  };
}

/** What the scheduler may hand out on one instance of the type. Only the shape counts, so the simulator's instance shapes pass too. */
export function instanceCapacity(
  spec: Pick<InstanceTypeSpec, "vcpus" | "memoryGiB"> & { accelerator: { count: number } | null },
  options: CapacityOptions = defaultCapacityOptions,
): Resources {
  const memoryMiB = Math.floor(spec.memoryGiB * 1024 * (1 - options.memoryHeadroomFraction));
  return { accelerators: spec.accelerator?.count ?? 0, cpuMillis: spec.vcpus * 1000, memoryMiB };
}

/** Accelerator memory of one device of the type, in MiB (0 without accelerators). */
export function deviceMemoryMiB(spec: { accelerator: { memoryPerDeviceGiB: number } | null }): number {
  return Math.round((spec.accelerator?.memoryPerDeviceGiB ?? 0) * 1024);
}

/** Human figures: millicores shown as cores. */
export function displayAmount(resource: keyof Resources, amount: number): number {
  return resource === "cpuMillis" ? amount / 1000 : amount;
}

export function addResources(a: Resources, b: Resources): Resources {
  return { accelerators: a.accelerators + b.accelerators, cpuMillis: a.cpuMillis + b.cpuMillis, memoryMiB: a.memoryMiB + b.memoryMiB };
}

export function subtractResources(a: Resources, b: Resources): Resources {
  return { accelerators: a.accelerators - b.accelerators, cpuMillis: a.cpuMillis - b.cpuMillis, memoryMiB: a.memoryMiB - b.memoryMiB };
}

export const zeroResources: Resources = { accelerators: 0, cpuMillis: 0, memoryMiB: 0 };
