import type { MetricId } from "./types.js";

export interface MetricFilter {
  namespace?: string;
  name?: string;
  /** Every named dimension must be present; with a Value, equal to it. */
  dimensions?: { Name: string; Value?: string }[];
}

export function matchesFilter(metric: MetricId, filter: MetricFilter): boolean {
  if (filter.namespace !== undefined && metric.namespace !== filter.namespace) return false;
  if (filter.name !== undefined && metric.name !== filter.name) return false;
  for (const wanted of filter.dimensions ?? []) {
    const found = metric.dimensions.find((d) => d.Name === wanted.Name);
    if (!found || (wanted.Value !== undefined && found.Value !== wanted.Value)) return false;
  }
  return true;
}

/** ListMetrics order: namespace, name, then dimensions, so pages are stable. */
export function compareMetrics(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
