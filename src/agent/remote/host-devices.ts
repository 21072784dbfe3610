import { networkInterfaces } from "node:os";
import type { InstanceCatalog } from "../../domain/catalog/instance-catalog.js";
import type { InstanceTypeSpec } from "../../domain/catalog/instance-type.js";
import { deviceMemoryMiB } from "../../domain/compute.js";
import type { DeviceInfo } from "../../domain/resources.js";
import type { DiscoveredGpu } from "../../instances/gpu-discovery.js";
import { realDevice } from "../../instances/local-provider.js";

/** The devices an agent declares: the GPUs nvidia-smi found, else the instance type's modelled ones (`count` overrides how many). */
export function hostDevices(gpus: DiscoveredGpu[], type: InstanceTypeSpec, count?: number): DeviceInfo[] {
  if (gpus.length > 0) return gpus.slice(0, count ?? gpus.length).map(realDevice);
  const accelerator = type.accelerator;
  const n = count ?? accelerator?.count ?? 0;
  const memoryMiB = deviceMemoryMiB(type);
  return Array.from({ length: n }, (_, index) => ({ index, source: "modelled", name: accelerator?.model ?? "modelled GPU", memoryMiB }));
}

/** The catalog type matching real GPUs (same count, model named in the GPU's name), when exactly one does. */
export function instanceTypeFor(gpus: DiscoveredGpu[], catalog: InstanceCatalog): string | undefined {
  if (gpus.length === 0) return undefined;
  const matches = catalog
    .list()
    .filter((t) => t.accelerator?.count === gpus.length && gpus.every((g) => g.name.toUpperCase().includes(t.accelerator!.model.toUpperCase())));
  return matches.length === 1 ? matches[0]!.instanceType : undefined;
}

/** host:port → parts; port 0 means "any free port". */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) > 65535) return undefined;
  return { host: match[1]!, port: Number(match[2]) };
}

/** The first non-loopback IPv4 address of this host, which other hosts most likely reach it on. */
export function firstHostAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return undefined;
}
