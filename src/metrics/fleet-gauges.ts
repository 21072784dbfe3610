import { Gauge, type Registry } from "prom-client";
import type { VariantInfo } from "./sources.js";

export interface WaitingRequests {
  endpointName: string;
  variantName: string;
  componentName: string;
  waiting: number;
}

/**
 * Prometheus gauges read when /metrics is: instances per variant, and requests waiting for a copy per
 * component (held while it starts or wakes from zero, or queued while every copy is at its limit).
 */
export function registerFleetGauges(registry: Registry, sources: { variants(): VariantInfo[]; waiting(): WaitingRequests[] }): void {
  new Gauge({
    name: "berth_instances",
    help: "Instances per endpoint variant",
    labelNames: ["endpoint", "variant"],
    registers: [registry],
    collect() {
      this.reset();
      for (const v of sources.variants()) this.set({ endpoint: v.endpointName, variant: v.variantName }, v.instances);
    },
  });
  new Gauge({
    name: "berth_held_requests",
    help: "Requests waiting for a copy per component: held while it starts or wakes from zero, or queued while every copy is at its limit",
    labelNames: ["endpoint", "variant", "component"],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of sources.waiting()) this.set({ endpoint: w.endpointName, variant: w.variantName, component: w.componentName }, w.waiting);
    },
  });
}
