import type { MetricId, Statistic } from "../metrics/types.js";
import { metricId } from "../metrics/types.js";
import type { TargetTrackingConfig } from "./records.js";
import type { ScalableResource } from "./resource-id.js";

export interface TrackedMetric {
  metric: MetricId;
  statistic: Statistic;
  /** API seconds per datapoint. */
  periodSeconds: number;
  label: string;
}

/** The SageMaker predefined metrics, as AAS defines them (spec §8). */
const predefined: Record<string, { resource: ScalableResource["kind"]; name: string; statistic: Statistic; periodSeconds: number }> = {
  SageMakerInferenceComponentInvocationsPerCopy: { resource: "component", name: "InvocationsPerCopy", statistic: "Sum", periodSeconds: 60 },
  SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution: {
    resource: "component",
    name: "ConcurrentRequestsPerCopy",
    statistic: "Average",
    periodSeconds: 10,
  },
  SageMakerVariantInvocationsPerInstance: { resource: "variant", name: "InvocationsPerInstance", statistic: "Sum", periodSeconds: 60 },
  SageMakerVariantConcurrentRequestsPerModelHighResolution: {
    resource: "variant",
    name: "ConcurrentRequestsPerModel",
    statistic: "Average",
    periodSeconds: 10,
  },
};

export const predefinedMetricTypes = Object.keys(predefined);

export type TrackedMetricResult = { ok: true; tracked: TrackedMetric } | { ok: false; problem: string };

/** Which metric series a target-tracking policy watches, or why it cannot watch one. */
export function trackedMetric(config: TargetTrackingConfig, resource: ScalableResource): TrackedMetricResult {
  const spec = config.PredefinedMetricSpecification;
  if (spec) {
    const known = predefined[spec.PredefinedMetricType];
    if (!known)
      return {
        ok: false,
        problem: `PredefinedMetricType ${spec.PredefinedMetricType} is not one SageMaker offers; use one of ${predefinedMetricTypes.join(", ")}`,
      };
    if (known.resource !== resource.kind) {
      const wants = known.resource === "component" ? "an inference-component/<name> target" : "an endpoint/<endpoint>/variant/<variant> target";
      return { ok: false, problem: `PredefinedMetricType ${spec.PredefinedMetricType} needs ${wants}` };
    }
    const dimensions: Record<string, string> =
      resource.kind === "component" ? { InferenceComponentName: resource.component } : { EndpointName: resource.endpoint, VariantName: resource.variant };
    return {
      ok: true,
      tracked: { metric: metricId("AWS/SageMaker", known.name, dimensions), statistic: known.statistic, periodSeconds: known.periodSeconds, label: known.name },
    };
  }
  const custom = config.CustomizedMetricSpecification;
  if (!custom) return { ok: false, problem: "set PredefinedMetricSpecification or CustomizedMetricSpecification" };
  if (custom.Metrics) {
    const returned = custom.Metrics.filter((m) => m.ReturnData !== false);
    const only = returned.length === 1 ? returned[0] : undefined;
    if (!only?.MetricStat || only.Expression || custom.Metrics.length !== 1) {
      return { ok: false, problem: "Berth tracks one MetricStat query; metric math expressions in CustomizedMetricSpecification.Metrics are not supported" };
    }
    const m = only.MetricStat.Metric;
    if (!m.MetricName || !m.Namespace) return { ok: false, problem: "the MetricStat needs Metric.MetricName and Metric.Namespace" };
    if (!isStatistic(only.MetricStat.Stat))
      return { ok: false, problem: `Stat ${only.MetricStat.Stat} is not supported; use Average, Minimum, Maximum, SampleCount or Sum` };
    return {
      ok: true,
      tracked: { metric: metricId(m.Namespace, m.MetricName, dims(m.Dimensions)), statistic: only.MetricStat.Stat, periodSeconds: 60, label: m.MetricName },
    };
  }
  if (!custom.MetricName || !custom.Namespace || !custom.Statistic)
    return { ok: false, problem: "CustomizedMetricSpecification needs MetricName, Namespace and Statistic (or Metrics)" };
  return {
    ok: true,
    tracked: {
      metric: metricId(custom.Namespace, custom.MetricName, dims(custom.Dimensions)),
      statistic: custom.Statistic,
      periodSeconds: 60,
      label: custom.MetricName,
    },
  };
}

function dims(list: { Name: string; Value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((d) => [d.Name, d.Value]));
}

function isStatistic(value: string): value is Statistic {
  return value === "Average" || value === "Minimum" || value === "Maximum" || value === "SampleCount" || value === "Sum";
}
