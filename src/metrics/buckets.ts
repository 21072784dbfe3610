/**
 * Bucket arithmetic. Bucket i covers [i·bucketMs, (i+1)·bucketMs) of epoch time; with a scaled time
 * base bucketMs may be fractional (10 API seconds at 1/60 scale ≈ 166.67 ms), so indexes, never
 * float timestamps, identify buckets.
 */
const epsilon = 1e-9;

export function bucketIndex(atMs: number, bucketMs: number): number {
  return Math.floor(atMs / bucketMs);
}

/** A time inside bucket i, safe from float rounding at its edges. */
export function bucketMidpoint(index: number, bucketMs: number): number {
  return (index + 0.5) * bucketMs;
}

/** Buckets whose start lies in [startMs, endMs): [from, to). */
export function bucketRange(bucketMs: number, startMs: number, endMs: number): { from: number; to: number } {
  return { from: Math.ceil(startMs / bucketMs - epsilon), to: Math.ceil(endMs / bucketMs - epsilon) };
}

/**
 * Maps a bucket to the index of the period holding its start. Periods that are whole multiples of the
 * bucket length are grouped by integer division, so no bucket lands in the wrong period by rounding.
 */
export function periodGrouper(bucketMs: number, periodMs: number): (index: number) => number {
  const ratio = periodMs / bucketMs;
  const whole = Math.round(ratio);
  if (whole >= 1 && Math.abs(ratio - whole) < 1e-6) return (index) => Math.floor(index / whole);
  return (index) => Math.floor((index * bucketMs) / periodMs + epsilon);
}
