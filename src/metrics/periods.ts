import { addAggregate, copyAggregate, statisticValue } from "./aggregate.js";
import { periodGrouper } from "./buckets.js";
import type { Aggregate, Datapoint, StatisticsQuery } from "./types.js";

/**
 * Combines per-bucket aggregates (ascending bucket index, already limited to the query's range) into
 * one datapoint per period that has data, oldest first. Shared by every store, so they agree exactly.
 */
export function combineBuckets(
  buckets: Iterable<readonly [number, Aggregate]>,
  bucketMs: number,
  query: Pick<StatisticsQuery, "statistic" | "periodMs">,
): Datapoint[] {
  const periodOf = periodGrouper(bucketMs, query.periodMs);
  const out: Datapoint[] = [];
  let currentPeriod = NaN;
  let current: Aggregate | undefined;
  const emit = () => {
    if (current) out.push({ timestamp: currentPeriod * query.periodMs, value: statisticValue(current, query.statistic), aggregate: current });
  };
  for (const [index, aggregate] of buckets) {
    if (aggregate.count <= 0) continue;
    const period = periodOf(index);
    if (period !== currentPeriod) {
      emit();
      currentPeriod = period;
      current = copyAggregate(aggregate);
    } else {
      addAggregate(current!, aggregate);
    }
  }
  emit();
  return out;
}
