import { addAggregate, addSample, copyAggregate, sampleAggregate } from "./aggregate.js";
import { bucketIndex } from "./buckets.js";
import { seriesKey, type Aggregate, type MetricId, type SeriesLimitRefusal } from "./types.js";

/** One series: its identity, unit and aggregates per bucket index. */
export interface SeriesState {
  id: MetricId;
  key: string;
  unit?: string;
  buckets: Map<number, Aggregate>;
  /** Highest bucket index ever written (kept when buckets are drained or pruned). */
  lastIndex: number;
  /** Set once the series has been dropped from its table; holders of a cached reference look it up again. */
  removed: boolean;
  /** Created by a caller's own samples (PutMetricData): counted against the custom series limit. */
  custom: boolean;
  /** The aggregate of lastIndex while it is still in buckets: most samples land in the newest bucket. */
  hot?: Aggregate;
}

/**
 * Series registry and per-bucket aggregates in memory. The memory store keeps everything here; the
 * SQLite store uses one as its write buffer. Callers that pass the same MetricId object again (the
 * recorder does) skip building the series key: the hot path is a WeakMap lookup and four additions.
 */
export class SeriesTable {
  readonly bucketMs: number;
  readonly #byKey = new Map<string, SeriesState>();
  #byId = new WeakMap<MetricId, SeriesState>();
  #custom = 0;

  constructor(bucketMs: number) {
    if (!(bucketMs > 0)) throw new Error(`bucket length must be above 0 ms, got ${bucketMs}`);
    this.bucketMs = bucketMs;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Series created by callers' own samples (custom: true) that the table holds. */
  get customSize(): number {
    return this.#custom;
  }

  /** The series' state, created on first use (as a custom series when `custom`; an existing series keeps what it was). */
  resolve(metric: MetricId, custom = false): SeriesState {
    const cached = this.#byId.get(metric);
    if (cached && !cached.removed) return cached;
    const id = canonicalId(metric);
    const key = seriesKey(id);
    let state = this.#byKey.get(key);
    if (!state) {
      state = { id, key, buckets: new Map(), lastIndex: -Infinity, removed: false, custom };
      this.#byKey.set(key, state);
      if (custom) this.#custom++;
    }
    this.#byId.set(metric, state);
    return state;
  }

  /**
   * Whether custom series for these metrics fit under the limit: undefined when they do, else what a refusal
   * says. Only series the table does not hold yet count, each once however often it is named.
   */
  admitCustom(metrics: MetricId[], limit: number): SeriesLimitRefusal | undefined {
    const adding = new Set<string>();
    for (const metric of metrics) {
      if (this.#byId.get(metric)?.removed === false) continue;
      const key = seriesKey(canonicalId(metric));
      if (!this.#byKey.has(key)) adding.add(key);
    }
    if (adding.size === 0 || this.#custom + adding.size <= limit) return undefined;
    return { limit, held: this.#custom, adding: adding.size };
  }

  find(metric: MetricId): SeriesState | undefined {
    const cached = this.#byId.get(metric);
    if (cached && !cached.removed) return cached;
    return this.#byKey.get(seriesKey(canonicalId(metric)));
  }

  add(metric: MetricId, value: number, atMs: number, unit?: string, custom = false): SeriesState {
    const state = this.resolve(metric, custom);
    if (unit !== undefined && state.unit !== unit) state.unit = unit;
    const index = bucketIndex(atMs, this.bucketMs);
    if (index === state.lastIndex && state.hot) {
      addSample(state.hot, value);
      return state;
    }
    const existing = state.buckets.get(index);
    if (existing) addSample(existing, value);
    else state.buckets.set(index, this.#track(state, index, sampleAggregate(value)));
    return state;
  }

  addAggregate(metric: MetricId, aggregate: Aggregate, atMs: number, unit?: string, custom = false): SeriesState {
    const state = this.resolve(metric, custom);
    if (unit !== undefined && state.unit !== unit) state.unit = unit;
    const index = bucketIndex(atMs, this.bucketMs);
    const existing = state.buckets.get(index);
    if (existing) addAggregate(existing, aggregate);
    else state.buckets.set(index, this.#track(state, index, copyAggregate(aggregate)));
    return state;
  }

  #track(state: SeriesState, index: number, aggregate: Aggregate): Aggregate {
    if (index >= state.lastIndex) {
      state.lastIndex = index;
      state.hot = aggregate;
    }
    return aggregate;
  }

  series(): IterableIterator<SeriesState> {
    return this.#byKey.values();
  }

  /** Drops buckets before the index, and series with nothing left and nothing since. */
  pruneBefore(index: number): void {
    for (const [key, state] of this.#byKey) {
      for (const bucket of state.buckets.keys()) if (bucket < index) state.buckets.delete(bucket);
      if (state.hot && state.lastIndex < index) state.hot = undefined;
      if (state.buckets.size === 0 && state.lastIndex < index) this.remove(key);
    }
  }

  remove(key: string): void {
    const state = this.#byKey.get(key);
    if (!state) return;
    state.removed = true;
    this.#byKey.delete(key);
    if (state.custom) this.#custom--;
  }

  /** Registers a series known from elsewhere (the SQLite registry on open). */
  adopt(metric: MetricId, unit: string | undefined, lastIndex: number, custom = false): SeriesState {
    const state = this.resolve(metric, custom);
    state.unit = unit;
    state.lastIndex = Math.max(state.lastIndex, lastIndex);
    return state;
  }
}

/** A copy of the id with its dimensions sorted by name, so dimension order never splits a series. */
export function canonicalId(metric: MetricId): MetricId {
  const dimensions = metric.dimensions.map((d) => ({ Name: d.Name, Value: d.Value }));
  dimensions.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return { namespace: metric.namespace, name: metric.name, dimensions };
}
