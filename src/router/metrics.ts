import type { BodyBudgetReading } from "./body-budget.js";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { HandleHistogram, type HistogramSeries } from "./histogram.js";
import type { RequestObserver, RequestOutcome, RequestTarget, RetryReason } from "./observer.js";
import type { RoutingTable } from "./table.js";

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type CopyLabels = Record<"endpoint" | "variant" | "component" | "copy", string>;
type ComponentLabels = Record<"endpoint" | "variant" | "component", string>;

/** One copy's numbers between scrapes, and its label objects and histogram series, made once instead of per request. */
interface CopySeries {
  labels: CopyLabels;
  componentLabels: ComponentLabels;
  inFlight: number;
  /** Requests not yet added to the counter. */
  started: number;
  modelLatency: HistogramSeries;
  overheadLatency: HistogramSeries;
}

/**
 * Prometheus metrics per endpoint, component and copy, served at GET /metrics.
 *
 * prom-client hashes and checks the label object on every call, bound children included: 3.4 µs for a
 * request's five calls. The request counter and the in-flight gauge are therefore kept as plain numbers
 * per copy and handed to prom-client in its collect hook, when /metrics is read; the two latency
 * histograms are HandleHistograms whose series each copy holds. A request finds its copy's numbers by
 * its target object (the router reuses one per copy), with no key built.
 */
export class RouterMetrics implements RequestObserver {
  readonly registry = new Registry();
  /** Keyed by endpoint, variant, component and copy; like prom-client's own series, never pruned. */
  readonly #series = new Map<string, CopySeries>();
  readonly #byTarget = new WeakMap<RequestTarget, CopySeries>();
  readonly #invocations: Counter<"endpoint" | "variant" | "component" | "copy">;
  readonly #errors: Counter<"endpoint" | "variant" | "component" | "kind">;
  readonly #retries: Counter<"endpoint" | "variant" | "component" | "reason">;
  readonly #modelLatency: HandleHistogram;
  readonly #overheadLatency: HandleHistogram;
  /** Per component (endpoint, variant, component): the copies of one component share its latency series. */
  readonly #componentSeries = new Map<string, { model: HistogramSeries; overhead: HistogramSeries }>();
  readonly #inFlight: Gauge<"endpoint" | "variant" | "component" | "copy">;
  readonly #copies: Gauge<"endpoint" | "variant" | "component" | "state">;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "berth_" });
    const registers = [this.registry];
    const series = this.#series;
    this.#invocations = new Counter({
      name: "berth_invocations_total",
      help: "Requests sent to model copies",
      labelNames: ["endpoint", "variant", "component", "copy"],
      registers,
      collect() {
        for (const s of series.values()) {
          if (s.started === 0) continue;
          this.inc(s.labels, s.started);
          s.started = 0;
        }
      },
    });
    this.#errors = new Counter({
      name: "berth_invocation_errors_total",
      help: "Failed requests by kind: model_4xx, model_5xx, timeout, unreachable, no_capacity, client_closed, throttled (the body budget was spent)",
      labelNames: ["endpoint", "variant", "component", "kind"],
      registers,
    });
    this.#retries = new Counter({
      name: "berth_invocation_retries_total",
      help: "Requests sent again to another copy because the first never got them: unreachable (connection refused, reset before anything was written, connect timeout), copy_absent (the agent's proxy had no such copy)",
      labelNames: ["endpoint", "variant", "component", "reason"],
      registers,
    });
    this.#modelLatency = new HandleHistogram(
      "berth_model_latency_seconds",
      "Time the model container took to answer (to the last byte)",
      latencyBuckets,
      this.registry,
    );
    this.#overheadLatency = new HandleHistogram(
      "berth_overhead_latency_seconds",
      "Time Berth added to a request besides the model's own time",
      latencyBuckets,
      this.registry,
    );
    this.#inFlight = new Gauge({
      name: "berth_in_flight_requests",
      help: "Requests in flight per copy",
      labelNames: ["endpoint", "variant", "component", "copy"],
      registers,
      collect() {
        for (const s of series.values()) this.set(s.labels, s.inFlight);
      },
    });
    this.#copies = new Gauge({
      name: "berth_copies",
      help: "Copies per component: desired and ready",
      labelNames: ["endpoint", "variant", "component", "state"],
      registers,
    });
  }

  /** Exposes the shared body budget: bytes held, the limit, and requests refused because it was spent. Read only when /metrics is. */
  trackBodyBudget(read: () => BodyBudgetReading): void {
    const registers = [this.registry];
    new Gauge({
      name: "berth_buffered_body_bytes",
      help: "Bytes of request and response bodies the router holds in memory now",
      registers,
      collect() {
        this.set(read().used);
      },
    });
    new Gauge({
      name: "berth_buffered_body_budget_bytes",
      help: "The most the router holds at once (limits.bufferedBodyBudgetBytes)",
      registers,
      collect() {
        this.set(read().limit);
      },
    });
    new Counter({
      name: "berth_buffered_body_refusals_total",
      help: "Requests refused with ServiceUnavailable because the body budget was spent",
      registers,
      collect() {
        this.reset();
        this.inc(read().refused);
      },
    });
  }

  requestStarted(target: RequestTarget): void {
    if (!target.copyId) return;
    const series = this.#seriesOf(target, target.copyId);
    series.started++;
    series.inFlight++;
  }

  requestRetried(target: RequestTarget, reason: RetryReason): void {
    this.#retries.inc({ endpoint: target.endpointName, variant: target.variantName, component: target.componentName ?? "", reason });
  }

  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void {
    if (!target.copyId) {
      if (outcome !== "ok")
        this.#errors.inc({ endpoint: target.endpointName, variant: target.variantName, component: target.componentName ?? "", kind: outcome });
      return;
    }
    const series = this.#seriesOf(target, target.copyId);
    series.inFlight--;
    if (outcome !== "ok") this.#errors.inc({ ...series.componentLabels, kind: outcome });
    this.#modelLatency.observe(series.modelLatency, modelMs / 1000);
    this.#overheadLatency.observe(series.overheadLatency, overheadMs / 1000);
  }

  /** Takes requests whose router worker died out of the in-flight gauge; their outcome is unknown, so no error is counted. */
  requestsAbandoned(target: RequestTarget, count: number): void {
    if (!target.copyId) return;
    this.#seriesOf(target, target.copyId).inFlight -= count;
  }

  #seriesOf(target: RequestTarget, copy: string): CopySeries {
    let series = this.#byTarget.get(target);
    if (series) return series;
    const component = target.componentName ?? "";
    const key = `${target.endpointName}\n${target.variantName}\n${component}\n${copy}`;
    series = this.#series.get(key);
    if (!series) {
      const componentLabels = { endpoint: target.endpointName, variant: target.variantName, component };
      const componentKey = `${target.endpointName}\n${target.variantName}\n${component}`;
      let latency = this.#componentSeries.get(componentKey);
      if (!latency) {
        latency = { model: this.#modelLatency.series(componentLabels), overhead: this.#overheadLatency.series(componentLabels) };
        this.#componentSeries.set(componentKey, latency);
      }
      series = {
        labels: { ...componentLabels, copy },
        componentLabels,
        inFlight: 0,
        started: 0,
        modelLatency: latency.model,
        overheadLatency: latency.overhead,
      };
      this.#series.set(key, series);
    }
    this.#byTarget.set(target, series);
    return series;
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
