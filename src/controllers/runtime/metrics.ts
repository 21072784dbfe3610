import { Counter, Histogram, type Registry } from "prom-client";
import type { PassResult } from "./outcome.js";

const durationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Passes per controller and outcome, and pass durations, served at GET /metrics. */
export class ControllerMetrics {
  readonly #passes: Counter<"controller" | "outcome">;
  readonly #duration: Histogram<"controller">;

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.#passes = new Counter({
      name: "berth_controller_passes_total",
      help: "Reconcile passes by controller and outcome: done, again (looks again later), conflict (retried from a fresh read), retry (failed, backing off), terminal (failed until the resource changes).",
      labelNames: ["controller", "outcome"],
      registers,
    });
    this.#duration = new Histogram({
      name: "berth_controller_pass_duration_seconds",
      help: "How long reconcile passes take, by controller.",
      labelNames: ["controller"],
      buckets: durationBuckets,
      registers,
    });
  }

  pass(controller: string, result: PassResult, seconds: number): void {
    this.#passes.inc({ controller, outcome: result });
    this.#duration.observe({ controller }, seconds);
  }
}
