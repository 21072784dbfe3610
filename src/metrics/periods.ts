import { addAggregate, copyAggregate, statisticValue } from "./aggregate.js";
import { periodGrouper } from "./buckets.js";
import type { Aggregate, Datapoint, StatisticsQuery } from "./types.js";
import type { TimeScale } from "../util/time-scale.js";

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

/**
 * When a decision over whole periods should next look: just after the current period ends, once its
 * last samples (and the recorder's end-of-bucket zeros) are in. Alarms and target tracking both wait for it.
 */
export function nextPeriodClose(now: number, periodMs: number, scale: TimeScale): number {
  return (Math.floor(now / periodMs) + 1) * periodMs + Math.min(periodMs / 4, scale.ms(2));
}
