import type { WeightCacheSpec } from "../../engine/types.js";
import type { Fields } from "./fields.js";

/**
 * Defaults. Disk budget: the server's default artifacts.cacheBudgetMb (20480 MiB = 21.47 GB). Memory budget
 * 0: the server manages no host-memory copy of weights (the page cache may keep one, unmodelled). Load rates
 * are assumptions, not measurements: diskGBps 4 for one NVMe SSD's sequential read (PCIe 4.0 x4 drives are
 * sold at 5–7 GB/s), memoryGBps 12 for host-to-GPU copies over PCIe 4.0 x16 (32 GB/s per direction by the
 * PCI-SIG specification; pageable copies reach far less). The remote rate is each model's startup.loadGBps.
 */
export const defaultWeightCache: WeightCacheSpec = {
  diskBudgetGB: (20_480 * 1024 * 1024) / 1e9,
  memoryBudgetGB: 0,
  diskGBps: 4,
  memoryGBps: 12,
  parkedBudgetGB: 0,
  parkedWakeS: 1,
};

/*
 * Parked engines are off by default, as the server's artifacts.parkedEnginesMb is. A wake costs parkedWakeS
 * plus copying the weights back to the device at memoryGBps: vLLM's sleep mode post (blog.vllm.ai,
 * 2025-10-26) reports level-1 wakes of 0.1–6 s from 0.6B to 235B models, 18–200× faster than a reload.
 */
const fields = ["diskBudgetGB", "memoryBudgetGB", "diskGBps", "memoryGBps", "parkedBudgetGB", "parkedWakeS"] as const;

/** endpoint.weightCache: { diskBudgetGB?, memoryBudgetGB?, diskGBps?, memoryGBps?, parkedBudgetGB?, parkedWakeS? }, each with its default. */
export function readWeightCache(f: Fields, value: unknown): WeightCacheSpec | undefined {
  if (value === undefined) return { ...defaultWeightCache };
  const w = f.mapping(["endpoint", "weightCache"], value, [...fields]);
  if (!w) return undefined;
  const out = { ...defaultWeightCache };
  for (const name of fields) {
    if (w[name] === undefined) continue;
    const n = name.endsWith("GBps")
      ? f.number(["endpoint", "weightCache", name], w[name], { above: 0 })
      : f.number(["endpoint", "weightCache", name], w[name], { min: 0 });
    if (n === undefined) return undefined;
    out[name] = n;
  }
  return out;
}
