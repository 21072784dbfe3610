import { addAggregate, copyAggregate } from "./aggregate.js";
import type { Aggregate } from "./types.js";

/** The most buckets one series keeps: an hour of 10-second buckets, four times the longest window an alarm or policy reads. */
const maxRecentSpan = 360;
/**
 * Buckets held across all series (about 120 bytes each: some 16 MB): 1,400 components' 90-bucket windows. Past
 * it, the series read least recently goes first, and is read from SQLite again when next asked for.
 */
const maxHeldPoints = 131_072;
/** Buckets kept behind the newest beyond the widest window read, so the same window a period later is still whole. */
const slack = 2;

/** A bucket as the store's points table gives it. */
export interface StoredBucket {
  bucket: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** A stored bucket as the tuple combineBuckets reads. */
export function pointOf(row: StoredBucket): readonly [number, Aggregate] {
  return [row.bucket, { sum: row.sum, count: row.count, min: row.min, max: row.max }];
}

interface Held {
  /** Every stored bucket of the series from this index on is in `points`. */
  from: number;
  /** The widest window (in buckets) read from it. */
  span: number;
  /** Ascending by bucket. Readers get these very tuples, to read only: combineBuckets copies an aggregate before adding to it. */
  points: (readonly [number, Aggregate])[];
}

/**
 * The newest stored buckets of the series that are read, held in memory as they were committed, so the
 * windows alarms and target-tracking policies read every period cost no SQLite query and no row objects.
 * 150 autoscaled components read about 180 buckets each per period (a 90-period scale-in window twice, by the
 * policy and its low alarm); from SQLite that was the largest part of an idle server's own JavaScript. The store keeps
 * it true: it hands over what a query read (`hold`), each committed bucket (`written`) and each prune.
 */
export class RecentPoints {
  readonly #bySeries = new Map<number, Held>();
  #heldPoints = 0;

  /**
   * Appends the series' stored buckets in [from, to) to `into` (ascending) and returns true, or returns
   * false and appends nothing when they are not all held.
   */
  read(seriesId: number, from: number, to: number, into: (readonly [number, Aggregate])[]): boolean {
    const held = this.#bySeries.get(seriesId);
    if (held === undefined || from < held.from) return false;
    // Least recently read first out: a hit moves the series to the end of the map's order.
    this.#bySeries.delete(seriesId);
    this.#bySeries.set(seriesId, held);
    if (to - from > held.span) held.span = Math.min(to - from, maxRecentSpan);
    const points = held.points;
    for (let i = firstAtOrAfter(points, from); i < points.length && points[i]![0] < to; i++) into.push(points[i]!);
    return true;
  }

  /** Whether a window starting at `from` of a series whose newest bucket is `newest` is recent enough to hold. */
  holdable(from: number, to: number, newest: number): boolean {
    return to - from <= maxRecentSpan && newest - from <= maxRecentSpan;
  }

  /** Takes every stored bucket of the series from `from` on (ascending), as a query just read them. */
  hold(seriesId: number, from: number, span: number, rows: readonly StoredBucket[]): void {
    const points = rows.map(pointOf);
    this.forget(seriesId);
    this.#bySeries.set(seriesId, { from, span: Math.min(span, maxRecentSpan), points });
    this.#heldPoints += points.length;
    for (const [oldest] of this.#bySeries) {
      if (this.#heldPoints <= maxHeldPoints || oldest === seriesId) break;
      this.forget(oldest);
    }
  }

  /** A bucket just committed, merged as the store's upsert merged it (sum and count added, min and max kept). */
  written(seriesId: number, bucket: number, aggregate: Aggregate): void {
    const held = this.#bySeries.get(seriesId);
    if (held === undefined || bucket < held.from) return;
    const points = held.points;
    const at = firstAtOrAfter(points, bucket);
    if (at < points.length && points[at]![0] === bucket) addAggregate(points[at]![1], aggregate);
    else {
      points.splice(at, 0, [bucket, copyAggregate(aggregate)]);
      this.#heldPoints++;
    }
    const keepFrom = points[points.length - 1]![0] - held.span - slack;
    if (keepFrom > held.from) {
      held.from = keepFrom;
      this.#dropBefore(held, keepFrom);
    }
  }

  /** The store deleted every bucket before `cutoff`. */
  pruned(cutoff: number): void {
    for (const held of this.#bySeries.values()) this.#dropBefore(held, cutoff);
  }

  /** The series is gone from the store, or no longer held. */
  forget(seriesId: number): void {
    const held = this.#bySeries.get(seriesId);
    if (held === undefined) return;
    this.#heldPoints -= held.points.length;
    this.#bySeries.delete(seriesId);
  }

  #dropBefore(held: Held, bucket: number): void {
    const drop = firstAtOrAfter(held.points, bucket);
    if (drop === 0) return;
    held.points.splice(0, drop);
    this.#heldPoints -= drop;
  }
}

/** Index of the first point whose bucket is at or after `bucket` (points ascending); most reads and writes are near the end. */
function firstAtOrAfter(points: readonly (readonly [number, Aggregate])[], bucket: number): number {
  let lo = 0;
  let hi = points.length;
  if (hi > 0 && points[hi - 1]![0] < bucket) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]![0] < bucket) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
