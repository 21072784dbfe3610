import type { PrefixSharing, RoutingStrategy } from "../input/index.js";
import type { CopyTable } from "./copies.js";
import type { StepOrder } from "./step-order.js";
import type { EngineModel } from "./types.js";

/**
 * Prefix-aware routing for LLM portfolios. Each request that shares a prefix (prefixSharing.requestShare of them)
 * gets one of `prefixes` prefixes, drawn from its position and a fixed seed, so two strategies replaying the same
 * trace see the same prefixes. Each copy keeps the last cachedPerCopy prefixes it served (least recently used
 * goes); a request that starts on a copy holding its prefix skips prefillShare of its prefill (its time to first
 * token), which shortens both its first token and its whole service. How a copy is picked:
 * LEAST_OUTSTANDING_REQUESTS, the engine's own; RANDOM, any ready copy; PREFIX_AWARE, SageMaker's: requests with
 * the same prefix go to the same copy until its in-flight requests reach its concurrency, then to the least
 * loaded copy, which takes the prefix over. A routed request waits on the copy picked, not in the model's queue.
 */
export class PrefixCaches {
  readonly #routing: (RoutingStrategy | undefined)[];
  readonly #sharing: (PrefixSharing | undefined)[];
  readonly #concurrency: number[];
  /** Per request (step-order position): its prefix, or -1. */
  readonly #prefixOf: Int32Array;
  readonly #judged: Float32Array;
  /** Per copy: the prefixes it holds, least recently used first. */
  readonly #cached = new Map<number, number[]>();
  /** Per model: prefix → the copy PREFIX_AWARE sends it to. */
  readonly #affinity: Map<number, number>[];
  #random = 0x9e3779b9;
  readonly lookups: Float64Array;
  readonly hits: Float64Array;

  /** Undefined when every model routes by least outstanding requests and none shares prefixes: the engine is unchanged. */
  static for(models: readonly EngineModel[], order: StepOrder): PrefixCaches | undefined {
    const used = models.some((m) => (m.routing !== undefined && m.routing !== "LEAST_OUTSTANDING_REQUESTS") || m.prefixSharing !== undefined);
    return used ? new PrefixCaches(models, order) : undefined;
  }

  private constructor(models: readonly EngineModel[], order: StepOrder) {
    this.#routing = models.map((m) => (m.routing === "LEAST_OUTSTANDING_REQUESTS" ? undefined : m.routing));
    this.#sharing = models.map((m) => m.prefixSharing);
    this.#concurrency = models.map((m) => m.concurrency);
    this.#judged = order.judged;
    this.#affinity = models.map(() => new Map());
    this.lookups = new Float64Array(models.length);
    this.hits = new Float64Array(models.length);
    const count = order.time.length;
    this.#prefixOf = new Int32Array(count).fill(-1);
    for (let s = 0; s < order.segmentModel.length; s++) {
      const sharing = this.#sharing[order.segmentModel[s]];
      if (sharing === undefined) continue;
      for (let n = order.segmentStart[s]; n < order.segmentStart[s + 1]; n++) {
        if (unit(n, 1) < sharing.requestShare) this.#prefixOf[n] = Math.min(sharing.prefixes - 1, Math.floor(unit(n, 2) * sharing.prefixes));
      }
    }
  }

  /** Whether model m's copy is picked here rather than by least outstanding requests. */
  routes(m: number): boolean {
    return this.#routing[m] !== undefined;
  }

  /** The copy for request n of model m arriving at a; some copy of `live` is ready. lor: the least loaded ready copy. */
  pick(m: number, n: number, a: number, live: readonly number[], copies: CopyTable, lor: () => number): number {
    if (this.#routing[m] === "RANDOM") {
      let ready = 0;
      for (const k of live) if (copies.readyAt[k] <= a) ready++;
      let r = Math.floor(this.#next() * ready);
      for (const k of live) if (copies.readyAt[k] <= a && r-- === 0) return k;
    }
    const prefix = this.#prefixOf[n];
    if (prefix < 0) return lor();
    const affinity = this.#affinity[m];
    const k = affinity.get(prefix);
    if (k !== undefined && copies.readyAt[k] <= a && copies.removedAt[k] > a && copies.outstandingAt(k, a) < this.#concurrency[m]) return k;
    const chosen = lor();
    affinity.set(prefix, chosen);
    return chosen;
  }

  /** Seconds of prefill request n of model m skips on copy k (its prefix is cached there); k now holds the prefix. */
  saved(n: number, k: number, m: number): number {
    const prefix = this.#prefixOf[n];
    if (prefix < 0) return 0;
    const sharing = this.#sharing[m]!;
    this.lookups[m]++;
    let cached = this.#cached.get(k);
    if (cached === undefined) this.#cached.set(k, (cached = []));
    const at = cached.indexOf(prefix);
    if (at >= 0) cached.splice(at, 1);
    else if (cached.length >= sharing.cachedPerCopy) cached.shift();
    cached.push(prefix);
    if (at < 0) return 0;
    this.hits[m]++;
    return sharing.prefillShare * this.#judged[n];
  }

  /** One line per model that shares prefixes: its cache hit rate. */
  notes(models: readonly EngineModel[]): string[] {
    return models.flatMap((model, m) =>
      this.#sharing[m] === undefined || this.lookups[m] === 0
        ? []
        : [
            `${model.name}: ${this.hits[m]} of ${this.lookups[m]} shared-prefix requests (${((100 * this.hits[m]) / this.lookups[m]).toFixed(1)}%) found their prefix cached on the copy (${model.routing ?? "LEAST_OUTSTANDING_REQUESTS"})`,
          ],
    );
  }

  #next(): number {
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x >>> 0;
    return this.#random / 0x100000000;
  }
}

/** A number in [0, 1) fixed by request position n and a salt (a 32-bit integer hash). */
function unit(n: number, salt: number): number {
  let x = Math.imul(n + 1, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b);
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 0x100000000;
}
