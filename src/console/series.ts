import { componentMetric, namespaces } from "../metrics/sagemaker-metrics.js";
import type { MetricsReader, Statistic } from "../metrics/types.js";
import { keys } from "../state/keys.js";
import type { BerthStore } from "../state/records.js";
import { componentResourceId } from "../autoscaling/resource-id.js";
import type { LatencyHistograms } from "./latency.js";
import { consoleActivity } from "./snapshot.js";
import type { ConsoleSeries } from "./types.js";

export interface SeriesSources {
  store: BerthStore;
  reader: MetricsReader;
  latency: LatencyHistograms;
  bucketMs: number;
  now: () => number;
}

/** The buckets a chart shows: at the default 10 s buckets, the last 20 minutes. */
export const chartBuckets = 120;

/** One component's metrics per bucket from the metric store, its latency percentiles and its scaling activities. */
export async function componentSeries(sources: SeriesSources, component: string): Promise<ConsoleSeries> {
  const { bucketMs, reader, latency } = sources;
  const endMs = (Math.floor(sources.now() / bucketMs) + 1) * bucketMs;
  const startMs = endMs - chartBuckets * bucketMs;
  const times = Array.from({ length: chartBuckets }, (_, i) => startMs + i * bucketMs);
  const read = (name: string, statistic: Statistic) => {
    const points = new Map(
      reader
        .statistics({ metric: componentMetric(namespaces.invocations, name, component), statistic, periodMs: bucketMs, startMs, endMs })
        .map((p) => [p.timestamp, p.value]),
    );
    return times.map((t) => points.get(t) ?? null);
  };
  const resourceId = componentResourceId(component);
  const activities = await sources.store.list("scaling-activity", { prefix: keys.underResource(resourceId) });
  return {
    component,
    times,
    invocations: read("Invocations", "Sum"),
    errors: read("InvocationModelErrors", "Sum"),
    latencyP50Ms: times.map((t) => latency.quantile(component, t, 0.5)),
    latencyP99Ms: times.map((t) => latency.quantile(component, t, 0.99)),
    desiredCopies: read("DesiredCopyCount", "Maximum"),
    currentCopies: read("CurrentCopyCount", "Maximum"),
    activities: activities
      .map((a) => consoleActivity(a.value))
      .filter((a) => (a.endTime ?? a.startTime) >= startMs)
      .sort((a, b) => a.startTime - b.startTime),
  };
}
