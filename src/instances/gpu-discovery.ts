import { execFile } from "node:child_process";

export interface DiscoveredGpu {
  index: number;
  uuid: string;
  name: string;
  memoryMiB: number;
  /** Set on a MIG instance: its GPU's index and its own device number there (a CDI name is "<gpu>:<device>"). */
  mig?: { gpu: number; device: number };
}

/** Real GPUs as nvidia-smi reports them, each MIG instance as a device of its own; none when nvidia-smi is absent or fails. */
export async function discoverGpus(command = "nvidia-smi"): Promise<DiscoveredGpu[]> {
  const query = await run(command, ["--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"]);
  if (query === undefined) return [];
  const gpus = parseNvidiaSmi(query);
  const list = await run(command, ["-L"]);
  return list === undefined ? gpus : withMigDevices(gpus, list);
}

function run(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => execFile(command, args, { timeout: 10_000 }, (error, stdout) => resolve(error ? undefined : stdout)));
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

const gpuLine = /^GPU (\d+): (.+?) \(UUID: (GPU-[^)]+)\)/;
const migLine = /^\s+MIG (\d+)g\.(\d+)gb\s+Device\s+(\d+): \(UUID: (MIG-[^)]+)\)/;

/**
 * Replaces each GPU that `nvidia-smi -L` lists MIG instances under by those instances: CUDA sees only
 * the instances of a GPU in MIG mode. They take indices after every GPU's, in the order listed. Their
 * memory is estimated from the profile name ("1g.10gb": 95% of 10 GiB, 9728 MiB), since `-L` gives none.
 */
export function withMigDevices(gpus: DiscoveredGpu[], listing: string): DiscoveredGpu[] {
  const migs = new Map<number, DiscoveredGpu[]>();
  let next = Math.max(-1, ...gpus.map((g) => g.index)) + 1;
  let gpu: { index: number; name: string } | undefined;
  for (const line of listing.split("\n")) {
    const g = gpuLine.exec(line);
    if (g) gpu = { index: Number(g[1]), name: g[2]! };
    const m = migLine.exec(line);
    if (!m || !gpu) continue;
    const list = migs.get(gpu.index) ?? [];
    const memoryMiB = Math.floor(Number(m[2]) * 1024 * 0.95);
    list.push({ index: next++, uuid: m[4]!, name: `${gpu.name} MIG ${m[1]}g.${m[2]}gb`, memoryMiB, mig: { gpu: gpu.index, device: Number(m[3]) } });
    migs.set(gpu.index, list);
  }
  return gpus.flatMap((g) => migs.get(g.index) ?? [g]);
}
