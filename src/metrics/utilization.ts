import { availableParallelism } from "node:os";
import type { Logger } from "../util/logger.js";
import { ProcReader, type ProcessSample } from "./proc.js";
import { componentMetric, namespaces, units, variantMetric } from "./sagemaker-metrics.js";
import type { CopyProcess, MetricSources } from "./sources.js";
import { inSlices } from "../util/slices.js";
import type { MetricsWriter } from "./types.js";

export interface UtilizationOptions {
  writer: MetricsWriter;
  sources: Pick<MetricSources, "copyProcesses" | "reservations">;
  log: Logger;
  proc?: ProcReader;
  /** Kernel clock ticks per second of /proc CPU times (USER_HZ, 100 on Linux). */
  clockTicksPerSecond?: number;
}

/** Two small /proc reads each: a slice costs well under a millisecond. */
const copiesPerSlice = 16;

interface Previous {
  pid: number;
  at: number;
  sample: ProcessSample;
}

/**
 * Utilization where Berth can measure it: each copy process's CPU time and resident memory from /proc
 * (normalised to the copy's reservation, namespace /aws/sagemaker/InferenceComponents), and how much of
 * each variant's capacity copies reserve (namespace /aws/sagemaker/Endpoints). Called once per bucket.
 */
export class UtilizationSampler {
  readonly #options: UtilizationOptions;
  readonly #proc: ProcReader;
  readonly #hz: number;
  readonly #previous = new Map<string, Previous>();
  readonly #procAvailable: boolean;

  constructor(options: UtilizationOptions) {
    this.#options = options;
    this.#proc = options.proc ?? new ProcReader();
    this.#hz = options.clockTicksPerSecond ?? 100;
    this.#procAvailable = this.#proc.available();
    if (!this.#procAvailable) {
      options.log.info(
        { procRoot: this.#proc.root },
        `${this.#proc.root} is not readable here; CPUUtilizationNormalized and MemoryUtilizationNormalized are not recorded`,
      );
    }
  }

  /**
   * Records one sample per copy and variant into the bucket holding atMs; nowMs measures CPU time between
   * calls. /proc is read a slice of copies at a time, so hundreds of copies never stall the event loop.
   */
  async sample(atMs: number, nowMs: number): Promise<void> {
    this.#reservations(atMs);
    if (!this.#procAvailable) return;
    const copies = this.#options.sources.copyProcesses();
    const seen = new Set<string>();
    await inSlices(copies, copiesPerSlice, (slice) => this.#copies(slice, atMs, nowMs, seen));
    for (const copyId of this.#previous.keys()) if (!seen.has(copyId)) this.#previous.delete(copyId);
  }

  #copies(copies: readonly CopyProcess[], atMs: number, nowMs: number, seen: Set<string>): void {
    const { writer } = this.#options;
    for (const copy of copies) {
      seen.add(copy.copyId);
      const sample = this.#proc.sample(copy.pid);
      if (!sample) continue;
      const previous = this.#previous.get(copy.copyId);
      this.#previous.set(copy.copyId, { pid: copy.pid, at: nowMs, sample });
      if (!copy.componentName) continue;
      if (copy.memoryMiB > 0) {
        const percent = (sample.rssKiB / 1024 / copy.memoryMiB) * 100;
        writer.record(componentMetric(namespaces.components, "MemoryUtilizationNormalized", copy.componentName), percent, atMs, units.percent);
      }
      if (previous && previous.pid === copy.pid && nowMs > previous.at) {
        const cores = copy.cpuCores > 0 ? copy.cpuCores : availableParallelism();
        const cpuSeconds = (sample.cpuTicks - previous.sample.cpuTicks) / this.#hz;
        const percent = Math.max(0, (cpuSeconds / ((nowMs - previous.at) / 1000) / cores) * 100);
        writer.record(componentMetric(namespaces.components, "CPUUtilizationNormalized", copy.componentName), percent, atMs, units.percent);
      }
    }
  }

  #reservations(atMs: number): void {
    const { writer } = this.#options;
    for (const r of this.#options.sources.reservations()) {
      const id = (name: string) => variantMetric(namespaces.endpoints, name, r.endpointName, r.variantName);
      if (r.capacity.cpuMillis > 0) writer.record(id("CPUReservation"), (r.reserved.cpuMillis / r.capacity.cpuMillis) * 100, atMs, units.percent);
      if (r.capacity.memoryMiB > 0) writer.record(id("MemoryReservation"), (r.reserved.memoryMiB / r.capacity.memoryMiB) * 100, atMs, units.percent);
      if (r.capacity.accelerators > 0) writer.record(id("GPUReservation"), (r.reserved.accelerators / r.capacity.accelerators) * 100, atMs, units.percent);
    }
  }
}
