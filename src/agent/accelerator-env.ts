import { access } from "node:fs/promises";
import { join } from "node:path";
import type { CopyRecord, DeviceInfo } from "../domain/resources.js";

/** Whether copies get MPS limits: "auto" looks for a running MPS control daemon (config `copies.mps`). */
export type MpsSetting = "auto" | "on" | "off";

/**
 * An MPS control daemon listens on a pipe named `control` in CUDA_MPS_PIPE_DIRECTORY (default
 * /tmp/nvidia-mps, per NVIDIA's MPS documentation); clients find it there, so Berth looks there too.
 */
export async function detectMps(setting: MpsSetting, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (setting !== "auto") return setting === "on";
  const dir = env.CUDA_MPS_PIPE_DIRECTORY || "/tmp/nvidia-mps";
  return access(join(dir, "control")).then(
    () => true,
    () => false,
  );
}

/** How CUDA names a copy's device: a MIG instance only by its UUID, a GPU by its index. */
export function visibleDeviceIds(copy: Pick<CopyRecord, "devices">, devices: readonly DeviceInfo[]): string[] {
  return copy.devices.map((index) => {
    const device = devices.find((d) => d.index === index);
    return device?.mig && device.uuid ? device.uuid : String(index);
  });
}

/**
 * What a copy holding part of one device is told about its share, for process and container copies
 * alike: its MiB and the fraction of the device they are (what a vLLM image passes as
 * --gpu-memory-utilization), its compute percent, and where MPS runs, the limits MPS enforces. The
 * copy sees its one device as CUDA device 0, which is the ordinal CUDA_MPS_PINNED_DEVICE_MEM_LIMIT names.
 */
export function shareEnvironment(copy: Pick<CopyRecord, "devices" | "share">, devices: readonly DeviceInfo[], mps: boolean): Record<string, string> {
  const share = copy.share;
  if (!share) return {};
  const device = devices.find((d) => d.index === copy.devices[0]);
  const env: Record<string, string> = { BERTH_ACCELERATOR_MEMORY_MB: String(share.memoryMiB) };
  // Rounded down, so an engine that sizes itself by the fraction stays within the share.
  if (device && device.memoryMiB > 0) env.BERTH_ACCELERATOR_MEMORY_FRACTION = String(Math.floor((share.memoryMiB / device.memoryMiB) * 10_000) / 10_000);
  if (share.computePercent !== undefined) env.BERTH_ACCELERATOR_COMPUTE_PERCENT = String(share.computePercent);
  if (mps) {
    env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT = `0=${share.memoryMiB}M`;
    if (share.computePercent !== undefined) env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE = String(share.computePercent);
  }
  return env;
}
