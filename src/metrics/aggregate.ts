import type { Aggregate, Statistic } from "./types.js";

/** The five statistics CloudWatch computes from sum, count, minimum and maximum. */
export const statisticNames: readonly Statistic[] = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

export function isStatistic(value: string): value is Statistic {
  return (statisticNames as readonly string[]).includes(value);
}

export function sampleAggregate(value: number): Aggregate {
  return { sum: value, count: 1, min: value, max: value };
}

export function addSample(into: Aggregate, value: number): void {
  into.sum += value;
  into.count += 1;
  if (value < into.min) into.min = value;
  if (value > into.max) into.max = value;
}

export function addAggregate(into: Aggregate, from: Aggregate): void {
  into.sum += from.sum;
  into.count += from.count;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
}

export function copyAggregate(from: Aggregate): Aggregate {
  return { sum: from.sum, count: from.count, min: from.min, max: from.max };
}

export function statisticValue(aggregate: Aggregate, statistic: Statistic): number {
  switch (statistic) {
    case "Sum":
      return aggregate.sum;
    case "SampleCount":
      return aggregate.count;
    case "Minimum":
      return aggregate.min;
    case "Maximum":
      return aggregate.max;
    case "Average":
      return aggregate.count > 0 ? aggregate.sum / aggregate.count : 0;
  }
}
