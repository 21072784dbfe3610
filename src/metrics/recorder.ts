import type { RequestObserver, RequestOutcome, RequestTarget } from "../router/observer.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { TimeScale } from "../util/time-scale.js";
import { bucketIndex, bucketMidpoint } from "./buckets.js";
import { componentIds, variantIds, variantKey, type ComponentIds, type VariantIds } from "./recorder-ids.js";
import { units } from "./sagemaker-metrics.js";
import type { CopyLoad, MetricSources } from "./sources.js";
import type { MetricId, MetricsWriter } from "./types.js";

export interface RecorderOptions {
  writer: MetricsWriter;
  clock: Clock;
  timeScale: TimeScale;
  sources: Pick<MetricSources, "components" | "copyLoads" | "variants">;
  /** Real milliseconds per bucket (timeScale.ms(10)). */
  bucketMs: number;
  /** Called once per finished bucket with a time inside it (utilization and reservations). */
  onBucketClosed?: (atMs: number, nowMs: number) => void;
  log?: Logger;
}

/** Who got traffic in one bucket, so the others can be given explicit zeros when it closes. */
interface Touched {
  components: Set<string>;
  noCapacity: Set<string>;
  variants: Set<string>;
  /** Components and variants whose concurrency was sampled in the bucket. */
  sampled: Set<string>;
}

const modelErrorOutcomes = new Set<RequestOutcome>(["model_4xx", "model_5xx", "timeout", "unreachable"]);
const noLatencyOutcomes = new Set<RequestOutcome>(["unreachable", "client_closed"]);
/** After a stall, at most this many missed buckets are given zeros. */
const maxBackfillBuckets = 360;

/**
 * Turns the router's request events into SageMaker's CloudWatch metrics (namespace AWS/SageMaker),
 * and samples per-copy concurrency every API second. When a bucket ends, components and variants that
 * got no request record explicit zeros, and those whose concurrency was not sampled in it (the process
 * was stalled) record the copies' in-flight requests, so alarms and target tracking never see a gap.
 */
export class MetricsRecorder implements RequestObserver {
  readonly #options: RecorderOptions;
  readonly #writer: MetricsWriter;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  #variantIds = new Map<string, VariantIds>();
  #componentIds = new Map<string, ComponentIds>();
  #readyCopies = new Map<string, number>();
  #instances = new Map<string, number>();
  readonly #touched = new Map<number, Touched>();
  #lastClosed: number | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(options: RecorderOptions) {
    this.#options = options;
    this.#writer = options.writer;
    this.#clock = options.clock;
    this.#bucketMs = options.bucketMs;
  }

  start(): void {
    this.#stopped = false;
    this.#lastClosed ??= bucketIndex(this.#clock.now(), this.#bucketMs) - 1;
    this.#refreshCounts();
    const tickMs = Math.max(10, this.#options.timeScale.ms(1));
    const loop = () => {
      if (this.#stopped) return;
      try {
        this.tick();
      } catch (error) {
        this.#options.log?.warn({ err: error }, "recording metrics failed; trying again next tick");
      }
      this.#timer = this.#clock.setTimeout(loop, tickMs);
      this.#timer.unref?.();
    };
    this.#timer = this.#clock.setTimeout(loop, tickMs);
    this.#timer.unref?.();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  requestStarted(target: RequestTarget): void {
    if (!target.copyId) return;
    const now = this.#clock.now();
    const touched = this.#touchedAt(now);
    const variant = this.#variant(target.endpointName, target.variantName);
    this.#writer.record(variant.invocations, 1, now, units.none);
    this.#writer.record(variant.perInstance, 1 / Math.max(1, this.#instances.get(variant.key) ?? 1), now, units.none);
    touched.variants.add(variant.key);
    if (target.componentName) {
      const component = this.#component(target.componentName);
      this.#writer.record(component.invocations, 1, now, units.none);
      this.#writer.record(component.perCopy, 1 / Math.max(1, this.#readyCopies.get(component.key) ?? 1), now, units.none);
      touched.components.add(component.key);
    }
  }

  requestFinished(target: RequestTarget, outcome: RequestOutcome, modelMs: number, overheadMs: number): void {
    const now = this.#clock.now();
    const variant = this.#variant(target.endpointName, target.variantName);
    const component = target.componentName ? this.#component(target.componentName) : undefined;
    if (outcome === "no_capacity") {
      this.#writer.record(variant.noCapacity, 1, now, units.none);
      if (component) {
        this.#writer.record(component.noCapacity, 1, now, units.none);
        this.#touchedAt(now).noCapacity.add(component.key);
      }
      return;
    }
    if (!target.copyId) return;
    const e4 = outcome === "model_4xx" ? 1 : 0;
    const e5 = outcome === "model_5xx" ? 1 : 0;
    const eModel = modelErrorOutcomes.has(outcome) ? 1 : 0;
    const withLatency = !noLatencyOutcomes.has(outcome);
    for (const ids of component ? [variant, component] : [variant]) {
      this.#writer.record(ids.errors4xx, e4, now, units.none);
      this.#writer.record(ids.errors5xx, e5, now, units.none);
      this.#writer.record(ids.modelErrors, eModel, now, units.none);
      if (withLatency) {
        this.#writer.record(ids.modelLatency, modelMs * 1000, now, units.microseconds);
        this.#writer.record(ids.overheadLatency, overheadMs * 1000, now, units.microseconds);
      }
    }
  }

  /** Samples each ready copy's in-flight requests and closes the buckets that have ended. */
  tick(now = this.#clock.now()): void {
    this.#refreshCounts();
    const sampled = this.#touchedAt(now).sampled;
    for (const load of this.#options.sources.copyLoads()) {
      const { key, metric } = this.#concurrencyOf(load);
      this.#writer.record(metric, load.inFlight, now, units.none);
      sampled.add(key);
    }
    this.closeBuckets(now);
  }

  /** Where a copy's in-flight requests are recorded: its component's per-copy concurrency, or its variant's per-model one. */
  #concurrencyOf(load: CopyLoad): { key: string; metric: MetricId } {
    if (load.componentName) {
      const ids = this.#component(load.componentName);
      return { key: ids.key, metric: ids.concurrentPerCopy };
    }
    const ids = this.#variant(load.endpointName, load.variantName);
    return { key: ids.key, metric: ids.concurrentPerModel };
  }

  /** Writes the end-of-bucket records (zeros, copy counts, utilization) of every bucket ended by now. Idempotent. */
  closeBuckets(now = this.#clock.now()): void {
    const current = bucketIndex(now, this.#bucketMs);
    if (this.#lastClosed === undefined) {
      this.#lastClosed = current - 1;
      return;
    }
    if (current - 1 <= this.#lastClosed) return;
    const first = Math.max(this.#lastClosed + 1, current - maxBackfillBuckets);
    this.#refreshCounts();
    // The copies' loads now stand for every bucket closed here that missed its samples.
    const loads = this.#options.sources.copyLoads().map((load) => ({ ...this.#concurrencyOf(load), inFlight: load.inFlight }));
    for (let b = first; b < current; b++) this.#closeBucket(b, b === current - 1, now, loads);
    for (const b of this.#touched.keys()) if (b < current) this.#touched.delete(b);
    this.#lastClosed = current - 1;
  }

  #closeBucket(bucket: number, latest: boolean, now: number, loads: { key: string; metric: MetricId; inFlight: number }[]): void {
    const at = bucketMidpoint(bucket, this.#bucketMs);
    const touched = this.#touched.get(bucket);
    const components = this.#options.sources.components();
    for (const info of components) {
      const ids = this.#component(info.name);
      if (!touched?.components.has(ids.key)) {
        this.#writer.record(ids.invocations, 0, at, units.none);
        this.#writer.record(ids.perCopy, 0, at, units.none);
      }
      if (!touched?.noCapacity.has(ids.key)) this.#writer.record(ids.noCapacity, 0, at, units.none);
      if (latest) {
        this.#writer.record(ids.desiredCopies, info.desiredCopies, at, units.none);
        this.#writer.record(ids.currentCopies, info.readyCopies, at, units.none);
      }
    }
    for (const load of loads) if (!touched?.sampled.has(load.key)) this.#writer.record(load.metric, load.inFlight, at, units.none);
    const variants = this.#options.sources.variants();
    for (const info of variants) {
      const ids = this.#variant(info.endpointName, info.variantName);
      if (!touched?.variants.has(ids.key)) {
        this.#writer.record(ids.invocations, 0, at, units.none);
        this.#writer.record(ids.perInstance, 0, at, units.none);
      }
    }
    if (!latest) return;
    this.#forgetUnknown(
      components.map((c) => c.name.toLowerCase()),
      variants.map((v) => variantKey(v.endpointName, v.variantName)),
    );
    this.#options.onBucketClosed?.(at, now);
  }

  #touchedAt(now: number): Touched {
    const bucket = bucketIndex(now, this.#bucketMs);
    let touched = this.#touched.get(bucket);
    if (!touched) {
      touched = { components: new Set(), noCapacity: new Set(), variants: new Set(), sampled: new Set() };
      this.#touched.set(bucket, touched);
    }
    return touched;
  }

  #refreshCounts(): void {
    const ready = new Map<string, number>();
    for (const c of this.#options.sources.components()) ready.set(c.name.toLowerCase(), c.readyCopies);
    this.#readyCopies = ready;
    const instances = new Map<string, number>();
    for (const v of this.#options.sources.variants()) instances.set(variantKey(v.endpointName, v.variantName), v.instances);
    this.#instances = instances;
  }

  /** Drops cached ids of deleted components and variants, so the caches stay as large as the fleet. */
  #forgetUnknown(components: string[], variants: string[]): void {
    const keepComponents = new Set(components);
    for (const key of this.#componentIds.keys()) if (!keepComponents.has(key)) this.#componentIds.delete(key);
    const keepVariants = new Set(variants);
    for (const key of this.#variantIds.keys()) if (!keepVariants.has(key)) this.#variantIds.delete(key);
  }

  #variant(endpointName: string, variantName: string): VariantIds {
    const key = variantKey(endpointName, variantName);
    let ids = this.#variantIds.get(key);
    if (!ids) {
      ids = variantIds(key, endpointName, variantName);
      this.#variantIds.set(key, ids);
    }
    return ids;
  }

  #component(name: string): ComponentIds {
    const key = name.toLowerCase();
    let ids = this.#componentIds.get(key);
    if (!ids) {
      ids = componentIds(key, name);
      this.#componentIds.set(key, ids);
    }
    return ids;
  }
}
