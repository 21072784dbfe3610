import { execFile } from "node:child_process";

export interface DiscoveredGpu {
  index: number;
  uuid: string;
  name: string;
  memoryMiB: number;
}

/** Real GPUs as nvidia-smi reports them; none when nvidia-smi is absent or fails. */
export function discoverGpus(command = "nvidia-smi"): Promise<DiscoveredGpu[]> {
  return new Promise((resolve) => {
    execFile(command, ["--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"], { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve([]);
      resolve(parseNvidiaSmi(stdout));
    });
  });
}

export function parseNvidiaSmi(output: string): DiscoveredGpu[] {
  const gpus: DiscoveredGpu[] = [];
  for (const line of output.split("\n")) {
    const parts = line.split(",").map((p) => p.trim());
    if (parts.length < 4) continue;
    const index = Number(parts[0]);
    const memoryMiB = Number(parts[3]);
    if (!Number.isInteger(index) || !Number.isFinite(memoryMiB)) continue;
    gpus.push({ index, uuid: parts[1]!, name: parts[2]!, memoryMiB });
  }
  return gpus;
}
