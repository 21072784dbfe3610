import { componentMetric, namespaces, variantMetric } from "./sagemaker-metrics.js";
import type { MetricId } from "./types.js";

/**
 * The recorder's metric ids, built once per variant and component and then reused, so every sample
 * after the first finds its series by object identity.
 */
export interface VariantIds {
  key: string;
  invocations: MetricId;
  perInstance: MetricId;
  modelLatency: MetricId;
  overheadLatency: MetricId;
  errors4xx: MetricId;
  errors5xx: MetricId;
  modelErrors: MetricId;
  noCapacity: MetricId;
  concurrentPerModel: MetricId;
}

export interface ComponentIds {
  key: string;
  invocations: MetricId;
  perCopy: MetricId;
  modelLatency: MetricId;
  overheadLatency: MetricId;
  errors4xx: MetricId;
  errors5xx: MetricId;
  modelErrors: MetricId;
  noCapacity: MetricId;
  concurrentPerCopy: MetricId;
  desiredCopies: MetricId;
  currentCopies: MetricId;
}

export function variantKey(endpointName: string, variantName: string): string {
  return `${endpointName.toLowerCase()}\u0000${variantName}`;
}

export function variantIds(key: string, endpointName: string, variantName: string): VariantIds {
  const id = (name: string) => variantMetric(namespaces.invocations, name, endpointName, variantName);
  return {
    key,
    invocations: id("Invocations"),
    perInstance: id("InvocationsPerInstance"),
    modelLatency: id("ModelLatency"),
    overheadLatency: id("OverheadLatency"),
    errors4xx: id("Invocation4XXErrors"),
    errors5xx: id("Invocation5XXErrors"),
    modelErrors: id("InvocationModelErrors"),
    noCapacity: id("NoCapacityInvocationFailures"),
    concurrentPerModel: id("ConcurrentRequestsPerModel"),
  };
}

export function componentIds(key: string, name: string): ComponentIds {
  const id = (metric: string) => componentMetric(namespaces.invocations, metric, name);
  return {
    key,
    invocations: id("Invocations"),
    perCopy: id("InvocationsPerCopy"),
    modelLatency: id("ModelLatency"),
    overheadLatency: id("OverheadLatency"),
    errors4xx: id("Invocation4XXErrors"),
    errors5xx: id("Invocation5XXErrors"),
    modelErrors: id("InvocationModelErrors"),
    noCapacity: id("NoCapacityInvocationFailures"),
    concurrentPerCopy: id("ConcurrentRequestsPerCopy"),
    desiredCopies: id("DesiredCopyCount"),
    currentCopies: id("CurrentCopyCount"),
  };
}
