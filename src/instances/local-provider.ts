import { deviceMemoryMiB } from "../domain/compute.js";
import type { DeviceInfo } from "../domain/resources.js";
import type { Logger } from "../util/logger.js";
import type { DiscoveredGpu } from "./gpu-discovery.js";
import type { InstanceProvider, LaunchedInstance, LaunchRequest } from "./provider.js";

/**
 * Instances on this machine. Each gets the devices its type declares: real GPUs found by nvidia-smi
 * while any are unclaimed, modelled devices after that, so placement behaves the same on a laptop.
 */
export class LocalInstanceProvider implements InstanceProvider {
  readonly name = "local";
  readonly #gpus: DiscoveredGpu[];
  readonly #claims = new Map<string, number[]>();
  readonly #log: Logger;
  readonly #host: string;

  constructor(options: { gpus: DiscoveredGpu[]; log: Logger; host?: string }) {
    this.#gpus = options.gpus;
    this.#log = options.log;
    this.#host = options.host ?? "local";
  }

  /** Restores which real GPUs running instances hold, after a restart. */
  adopt(instanceId: string, devices: DeviceInfo[]): void {
    const real = devices.filter((d) => d.source === "nvidia").map((d) => d.index);
    if (real.length > 0) this.#claims.set(instanceId, real);
  }

  async launch(request: LaunchRequest): Promise<LaunchedInstance> {
    const existing = this.#claims.get(request.instanceId) ?? [];
    const claimed = new Set([...this.#claims.values()].flat());
    for (const index of existing) claimed.delete(index);
    const free = this.#gpus.filter((g) => !claimed.has(g.index));
    const count = request.instanceType.accelerator?.count ?? 0;
    const memoryMiB = deviceMemoryMiB(request.instanceType);
    const devices: DeviceInfo[] = [];
    for (const gpu of free.slice(0, count)) devices.push(realDevice(gpu));
    for (let index = 0; devices.length < count; index++) {
      if (devices.some((d) => d.index === index)) continue;
      devices.push({ index, source: "modelled", name: request.instanceType.accelerator!.model, memoryMiB });
    }
    const real = devices.filter((d) => d.source === "nvidia");
    if (real.length > 0)
      this.#claims.set(
        request.instanceId,
        real.map((d) => d.index),
      );
    if (count > 0) {
      this.#log.info(
        { instance: request.instanceId, real: real.length, modelled: count - real.length },
        `instance ${request.instanceId} (${request.instanceType.instanceType}): ${real.length} real GPU(s), ${count - real.length} modelled`,
      );
    }
    return { host: this.#host, devices };
  }

  async terminate(instanceId: string): Promise<void> {
    this.#claims.delete(instanceId);
  }
}

export function realDevice(gpu: DiscoveredGpu): DeviceInfo {
  return { index: gpu.index, source: "nvidia", name: gpu.name, memoryMiB: gpu.memoryMiB, uuid: gpu.uuid, ...(gpu.mig ? { mig: gpu.mig } : {}) };
}
