import type { Resources } from "../domain/compute.js";
import { fits } from "../domain/fit.js";
import { acceleratorShare, hostShare } from "./score.js";

interface Group {
  capacity: Resources;
  /** buckets[k]: instances with k free accelerators, sorted by (hostShare of free, index). */
  buckets: number[][];
}

/**
 * Finds the instance with the lowest leftover score for one copy (ties to the lower index, i.e. the
 * older instance) without scoring the whole fleet, which placing 10,000 copies on thousands of
 * instances cannot afford. Instances are grouped by capacity and bucketed by free accelerators.
 * Within a bucket the score grows with hostShare, so the first entry that fits is the bucket's best,
 * and a bucket whose accelerator share alone is above the best score so far is never opened.
 * Scores are integers, so "grows" is exact and ties are real ties.
 */
export class BestFitIndex {
  readonly #free: readonly Resources[];
  readonly #groups: Group[] = [];
  readonly #groupOf: Int32Array;
  readonly #bucketOf: Int32Array;
  readonly #key: Float64Array;

  constructor(capacities: readonly Resources[], free: readonly Resources[], members: readonly number[]) {
    this.#free = free;
    this.#groupOf = new Int32Array(free.length).fill(-1);
    this.#bucketOf = new Int32Array(free.length);
    this.#key = new Float64Array(free.length);
    const groupByShape = new Map<string, number>();
    for (const i of members) {
      const c = capacities[i];
      const shape = `${c.accelerators}/${c.cpuMillis}/${c.memoryMiB}`;
      let g = groupByShape.get(shape);
      if (g === undefined) {
        g = this.#groups.length;
        groupByShape.set(shape, g);
        const buckets = Array.from({ length: Math.max(0, c.accelerators) + 1 }, () => [] as number[]);
        this.#groups.push({ capacity: c, buckets });
      }
      this.#groupOf[i] = g;
      this.#locate(i);
      this.#groups[g].buckets[this.#bucketOf[i]].push(i);
    }
    for (const g of this.#groups) for (const b of g.buckets) b.sort((x, y) => this.#compare(x, y));
  }

  /** Re-files instance i after its free resources changed. */
  update(i: number): void {
    const g = this.#groupOf[i];
    if (g < 0) return;
    const old = this.#groups[g].buckets[this.#bucketOf[i]];
    old.splice(this.#lowerBound(old, i), 1);
    this.#locate(i);
    const bucket = this.#groups[g].buckets[this.#bucketOf[i]];
    bucket.splice(this.#lowerBound(bucket, i), 0, i);
  }

  /** The best instance for `needs`, or -1 when none fits; `skip` hides instances from this query. */
  best(needs: Resources, skip?: (i: number) => boolean): number {
    let best = -1;
    let bestScore = Infinity;
    for (const { capacity, buckets } of this.#groups) {
      if (capacity.accelerators < needs.accelerators || capacity.cpuMillis < needs.cpuMillis) continue;
      if (capacity.memoryMiB < needs.memoryMiB) continue;
      const needShare = hostShare(needs, capacity);
      for (let k = Math.max(0, needs.accelerators); k < buckets.length; k++) {
        const base = acceleratorShare(k - needs.accelerators, capacity.accelerators);
        if (base > bestScore) break;
        for (const e of buckets[k]) {
          const score = base + this.#key[e] - needShare;
          // Later entries score the same or more, and on a tie lose to the lower index.
          if (score > bestScore || (score === bestScore && e > best)) break;
          if (skip?.(e) || !fits(this.#free[e], needs)) continue;
          best = e;
          bestScore = score;
          break;
        }
      }
    }
    return best;
  }

  #locate(i: number): void {
    const f = this.#free[i];
    const c = this.#groups[this.#groupOf[i]].capacity;
    this.#bucketOf[i] = Math.min(Math.max(f.accelerators, 0), Math.max(c.accelerators, 0));
    this.#key[i] = hostShare(f, c);
  }

  #compare(x: number, y: number): number {
    return this.#key[x] - this.#key[y] || x - y;
  }

  #lowerBound(bucket: number[], i: number): number {
    let lo = 0;
    let hi = bucket.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(bucket[mid], i) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
