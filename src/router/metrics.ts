import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestObserver, RequestOutcome, RequestTarget } from "./observer.js";
import type { RoutingTable } from "./table.js";

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Prometheus metrics per endpoint, component and copy, served at GET /metrics. */
export class RouterMetrics implements RequestObserver {
  readonly registry = new Registry();
  readonly #invocations: Counter<"endpoint" | "variant" | "component" | "copy">;
  readonly #errors: Counter<"endpoint" | "variant" | "component" | "kind">;
  readonly #modelLatency: Histogram<"endpoint" | "variant" | "component">;
  readonly #overheadLatency: Histogram<"endpoint" | "variant" | "component">;
  readonly #inFlight: Gauge<"endpoint" | "variant" | "component" | "copy">;
  readonly #copies: Gauge<"endpoint" | "variant" | "component" | "state">;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "berth_process_" });
    const registers = [this.registry];
    this.#invocations = new Counter({ name: "berth_invocations_total", help: "Requests sent to model copies", labelNames: ["endpoint", "variant", "component", "copy"], registers });
    this.#errors = new Counter({
      name: "berth_invocation_errors_total",
      help: "Failed requests by kind: model_4xx, model_5xx, timeout, unreachable, no_capacity, client_closed",
      labelNames: ["endpoint", "variant", "component", "kind"],
      registers,
    });
    this.#modelLatency = new Histogram({
      name: "berth_model_latency_seconds",
      help: "Time the model container took to answer (to the last byte)",
      labelNames: ["endpoint", "variant", "component"],
      buckets: latencyBuckets,
      registers,
    });
    this.#overheadLatency = new Histogram({
      name: "berth_overhead_latency_seconds",
      help: "Time Berth added to a request besides the model's own time",
      labelNames: ["endpoint", "variant", "component"],
      buckets: latencyBuckets,
      registers,
    });
    this.#inFlight = new Gauge({ name: "berth_in_flight_requests", help: "Requests in flight per copy", labelNames: ["endpoint", "variant", "component", "copy"], registers });
    this.#copies = new Gauge({ name: "berth_copies", help: "Copies per component: desired and ready", labelNames: ["endpoint", "variant", "component", "state"], registers });
  }

  requestStarted(target: RequestTarget): void {
    const labels = { endpoint: target.endpointName, variant: target.variantName, component: target.componentName ?? "", copy: target.copyId ?? "" };
    if (target.copyId) {
      this.#invocations.inc(labels);
      this.#inFlight.inc(labels);
    }
  }

  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void {
    const base = { endpoint: target.endpointName, variant: target.variantName, component: target.componentName ?? "" };
    if (target.copyId) this.#inFlight.dec({ ...base, copy: target.copyId });
    if (outcome !== "ok") this.#errors.inc({ ...base, kind: outcome });
    if (target.copyId) {
      this.#modelLatency.observe(base, modelMs / 1000);
      this.#overheadLatency.observe(base, overheadMs / 1000);
    }
  }

  updateCopies(table: RoutingTable): void {
    this.#copies.reset();
    for (const endpoint of table.endpoints.values()) {
      for (const component of endpoint.components.values()) {
        const base = { endpoint: endpoint.name, variant: component.variantName, component: component.name };
        this.#copies.set({ ...base, state: "desired" }, component.desiredCopies);
        this.#copies.set({ ...base, state: "ready" }, component.copies.length);
      }
      for (const variant of endpoint.variants) {
        if (endpoint.hostsComponents) continue;
        this.#copies.set({ endpoint: endpoint.name, variant: variant.name, component: "", state: "ready" }, variant.copies.length);
      }
    }
  }
}
