import type { Resources } from "../domain/compute.js";

/**
 * What the recorder and the utilization sampler read besides the router's events. Plain functions, so
 * the metrics code depends on neither the router nor the store; the composition root supplies them.
 */
export interface ComponentInfo {
  name: string;
  endpointName: string;
  variantName: string;
  desiredCopies: number;
  readyCopies: number;
}

export interface CopyLoad {
  endpointName: string;
  variantName: string;
  /** Undefined for the copies of single-model variants. */
  componentName?: string;
  copyId: string;
  inFlight: number;
}

export interface VariantInfo {
  endpointName: string;
  variantName: string;
  instances: number;
}

export interface CopyProcess {
  copyId: string;
  componentName?: string;
  endpointName: string;
  variantName: string;
  pid: number;
  /** The copy's CPU reservation in cores (0: none reserved). */
  cpuCores: number;
  /** The copy's memory reservation in MiB. */
  memoryMiB: number;
}

export interface VariantReservation {
  endpointName: string;
  variantName: string;
  /** Resources the variant's copies hold. */
  reserved: Resources;
  /** What the variant's instances offer to copies. */
  capacity: Resources;
}

export interface MetricSources {
  components(): ComponentInfo[];
  copyLoads(): CopyLoad[];
  variants(): VariantInfo[];
  copyProcesses(): CopyProcess[];
  reservations(): VariantReservation[];
}
