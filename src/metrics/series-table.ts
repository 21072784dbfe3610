import { addAggregate, addSample, copyAggregate, sampleAggregate } from "./aggregate.js";
import { bucketIndex } from "./buckets.js";
import { matchesFilter } from "./match.js";
import { seriesKey, type Aggregate, type ListFilter, type MetricId, type SeriesLimitRefusal } from "./types.js";

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
 *
 * The series are also kept in key order (ListMetrics' order), so a listing finds its page by binary search
 * and reads only what it returns: new series gather unsorted and are merged in, a thousand at a time or
 * at the next listing, with a search per new series rather than a sort of all of them.
 */
export class SeriesTable {
  readonly bucketMs: number;
  readonly #byKey = new Map<string, SeriesState>();
  #byId = new WeakMap<MetricId, SeriesState>();
  /** Series in key order, as of the last merge; may still hold series removed since (skipped when read). */
  #ordered: SeriesState[] = [];
  /** Series created since the last merge, in no order. */
  #fresh: SeriesState[] = [];
  #removedSinceMerge = 0;
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
      if (custom) this.#custom += limitShare(key);
      this.#fresh.push(state);
      if (this.#fresh.length >= mergeEvery) this.#merge();
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
    let share = 0;
    for (const key of adding) share += limitShare(key);
    if (share === 0 || this.#custom + share <= limit) return undefined;
    return { limit, held: this.#custom, adding: share };
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

  /**
   * ListMetrics' series, in key order: those after filter.after that match, at most filter.limit, looking at
   * no more than filter.examine series. A namespace (and name) narrows the search to its range of keys, so
   * the work is a binary search plus the series looked at, never a pass over every series held.
   */
  list(filter: ListFilter, sinceIndex = -Infinity): { found: SeriesState[]; stoppedAt?: string } {
    const ordered = this.#sorted();
    // Keys start with namespace \0 name \0, so the series of a namespace (and name) lie together.
    const prefix = filter.namespace === undefined ? "" : `${filter.namespace}\u0000${filter.name === undefined ? "" : `${filter.name}\u0000`}`;
    let at = firstAtOrAfter(ordered, prefix);
    if (filter.after !== undefined) at = Math.max(at, firstAtOrAfter(ordered, filter.after, true));
    const limit = filter.limit ?? Infinity;
    const end = Math.min(ordered.length, at + Math.max(1, filter.examine ?? Infinity));
    const found: SeriesState[] = [];
    for (; at < end; at++) {
      const state = ordered[at]!;
      if (!state.key.startsWith(prefix)) return { found };
      if (state.lastIndex >= sinceIndex && matchesFilter(state.id, filter)) {
        found.push(state);
        if (found.length >= limit) return { found, stoppedAt: state.key };
      }
    }
    return at < ordered.length && ordered[at]!.key.startsWith(prefix) ? { found, stoppedAt: ordered[at - 1]!.key } : { found };
  }

  /** Every series in key order, the fresh ones merged in first. */
  #sorted(): SeriesState[] {
    if (this.#fresh.length > 0 || this.#removedSinceMerge > 0) this.#merge();
    return this.#ordered;
  }

  /**
   * Merges the fresh series into the ordered ones, a binary search each, and drops the removed ones. The
   * ordered series are copied as references, not read, unless some were removed since the last merge.
   */
  #merge(): void {
    const ordered = this.#removedSinceMerge > 0 ? this.#ordered.filter((s) => !s.removed) : this.#ordered;
    const fresh = this.#fresh.filter((s) => !s.removed).sort(byKey);
    this.#fresh = [];
    this.#removedSinceMerge = 0;
    if (fresh.length <= spliceAtMost) {
      // A few new series (a listing after a call that created one): moving the references past each is cheaper than copying all.
      for (const state of fresh) ordered.splice(firstAtOrAfter(ordered, state.key), 0, state);
      this.#ordered = ordered;
      return;
    }
    const merged = new Array<SeriesState>(ordered.length + fresh.length);
    let from = 0;
    let out = 0;
    for (const state of fresh) {
      const to = firstAtOrAfter(ordered, state.key, false, from);
      while (from < to) merged[out++] = ordered[from++]!;
      merged[out++] = state;
    }
    while (from < ordered.length) merged[out++] = ordered[from++]!;
    this.#ordered = merged;
  }

  /** Drops buckets before the index, and series with nothing left and nothing since. */
  pruneBefore(index: number): void {
    for (const [key, state] of this.#byKey) {
      for (const bucket of state.buckets.keys()) if (bucket < index) state.buckets.delete(bucket);
      if (state.hot && state.lastIndex < index) state.hot = undefined;
      if (state.buckets.size === 0 && state.lastIndex < index) this.remove(key);
    }
    this.releaseRemoved();
  }

  /** Lets go of the removed series the key order still holds, so a prune frees their memory now rather than at the next listing. */
  releaseRemoved(): void {
    if (this.#removedSinceMerge > 0) this.#merge();
  }

  /** Whether the series of this key was written at or after the bucket index (its state here, if the table holds it). */
  writtenSince(key: string, index: number): boolean {
    const state = this.#byKey.get(key);
    return state !== undefined && (state.lastIndex >= index || state.buckets.size > 0);
  }

  remove(key: string): void {
    const state = this.#byKey.get(key);
    if (!state) return;
    state.removed = true;
    this.#byKey.delete(key);
    if (state.custom) this.#custom -= limitShare(key);
    this.#removedSinceMerge++;
  }

  /** Registers a series known from elsewhere (the SQLite registry on open). */
  adopt(metric: MetricId, unit: string | undefined, lastIndex: number, custom = false): SeriesState {
    const state = this.resolve(metric, custom);
    state.unit = unit;
    state.lastIndex = Math.max(state.lastIndex, lastIndex);
    return state;
  }
}

/** Characters of a series' identity (namespace, name, dimensions) that count as one series against the custom series limit. */
export const seriesLimitUnit = 2048;

/**
 * What a custom series counts against the limit: one, and one more for every further 2,048 characters of
 * its identity, so the limit bounds memory too (a series of 30 dimensions with 1,024-character values holds
 * about 110 KB, against about 3.5 KB for five 100-character values).
 */
function limitShare(key: string): number {
  return Math.max(1, Math.ceil(key.length / seriesLimitUnit));
}

/** New series merged into the ordered list at once past this many, so no merge sorts more than a thousand. */
const mergeEvery = 1024;
/** Up to this many new series are spliced into the order one by one rather than merged in a new array. */
const spliceAtMost = 16;

const byKey = (a: SeriesState, b: SeriesState) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The first index from `from` whose key is at least `key` (above it when `after`), by binary search. */
function firstAtOrAfter(ordered: SeriesState[], key: string, after = false, from = 0): number {
  let low = from;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const k = ordered[middle]!.key;
    if (k < key || (after && k === key)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A copy of the id with its dimensions sorted by name, so dimension order never splits a series. */
export function canonicalId(metric: MetricId): MetricId {
  const dimensions = metric.dimensions.map((d) => ({ Name: d.Name, Value: d.Value }));
  dimensions.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return { namespace: metric.namespace, name: metric.name, dimensions };
}
