import { metricId, type MetricId } from "./types.js";

/**
 * The metrics Berth records, under SageMaker's namespaces, names, dimensions and units. Counts use
 * unit None and latencies Microseconds, as SageMaker publishes them.
 */
export const namespaces = {
  invocations: "AWS/SageMaker",
  components: "/aws/sagemaker/InferenceComponents",
  endpoints: "/aws/sagemaker/Endpoints",
} as const;

export const units = { none: "None", microseconds: "Microseconds", percent: "Percent" } as const;

export type DimensionSet = "variant" | "component";

export interface MetricDefinition {
  name: string;
  namespace: string;
  unit: string;
  dimensions: DimensionSet[];
  meaning: string;
}

const inv = namespaces.invocations;

export const metricCatalogue: MetricDefinition[] = [
  {
    name: "Invocations",
    namespace: inv,
    unit: units.none,
    dimensions: ["variant", "component"],
    meaning: "1 per request sent to a model copy; idle components and variants record 0 each bucket",
  },
  {
    name: "InvocationsPerCopy",
    namespace: inv,
    unit: units.none,
    dimensions: ["component"],
    meaning: "1/ready copies per request; idle components record 0 each bucket",
  },
  {
    name: "InvocationsPerInstance",
    namespace: inv,
    unit: units.none,
    dimensions: ["variant"],
    meaning: "1/instances of the variant per request; idle variants record 0 each bucket",
  },
  {
    name: "ModelLatency",
    namespace: inv,
    unit: units.microseconds,
    dimensions: ["variant", "component"],
    meaning: "time the container took to answer, to the last byte",
  },
  {
    name: "OverheadLatency",
    namespace: inv,
    unit: units.microseconds,
    dimensions: ["variant", "component"],
    meaning: "time Berth held the request besides the container's time",
  },
  { name: "Invocation4XXErrors", namespace: inv, unit: units.none, dimensions: ["variant", "component"], meaning: "1 if the container answered 4xx, else 0" },
  { name: "Invocation5XXErrors", namespace: inv, unit: units.none, dimensions: ["variant", "component"], meaning: "1 if the container answered 5xx, else 0" },
  {
    name: "InvocationModelErrors",
    namespace: inv,
    unit: units.none,
    dimensions: ["variant", "component"],
    meaning: "1 if the container answered non-2xx, timed out or could not be reached, else 0",
  },
  {
    name: "NoCapacityInvocationFailures",
    namespace: inv,
    unit: units.none,
    dimensions: ["variant", "component"],
    meaning: "1 per request refused or held for lack of a ready copy; idle components record 0 each bucket",
  },
  {
    name: "ConcurrentRequestsPerCopy",
    namespace: inv,
    unit: units.none,
    dimensions: ["component"],
    meaning: "each ready copy's in-flight requests, sampled every API second (Maximum: busiest copy)",
  },
  {
    name: "ConcurrentRequestsPerModel",
    namespace: inv,
    unit: units.none,
    dimensions: ["variant"],
    meaning: "in-flight requests of each copy of a single-model variant, sampled every API second",
  },
  {
    name: "DesiredCopyCount",
    namespace: inv,
    unit: units.none,
    dimensions: ["component"],
    meaning: "Berth's own: the component's desired copies, once per bucket (not an AWS CloudWatch metric)",
  },
  {
    name: "CurrentCopyCount",
    namespace: inv,
    unit: units.none,
    dimensions: ["component"],
    meaning: "Berth's own: the component's ready copies, once per bucket (not an AWS CloudWatch metric)",
  },
  {
    name: "CPUUtilizationNormalized",
    namespace: namespaces.components,
    unit: units.percent,
    dimensions: ["component"],
    meaning: "each copy process's CPU use as a percent of its reserved cores, once per bucket",
  },
  {
    name: "MemoryUtilizationNormalized",
    namespace: namespaces.components,
    unit: units.percent,
    dimensions: ["component"],
    meaning: "each copy process's resident memory as a percent of its reserved memory, once per bucket",
  },
  {
    name: "CPUReservation",
    namespace: namespaces.endpoints,
    unit: units.percent,
    dimensions: ["variant"],
    meaning: "CPU reserved by copies as a percent of the variant's instances' CPU",
  },
  {
    name: "GPUReservation",
    namespace: namespaces.endpoints,
    unit: units.percent,
    dimensions: ["variant"],
    meaning: "accelerators reserved by copies as a percent of the variant's accelerators (variants with accelerators only)",
  },
  {
    name: "MemoryReservation",
    namespace: namespaces.endpoints,
    unit: units.percent,
    dimensions: ["variant"],
    meaning: "memory reserved by copies as a percent of the variant's instances' memory",
  },
];

export function variantMetric(namespace: string, name: string, endpointName: string, variantName: string): MetricId {
  return metricId(namespace, name, { EndpointName: endpointName, VariantName: variantName });
}

export function componentMetric(namespace: string, name: string, componentName: string): MetricId {
  return metricId(namespace, name, { InferenceComponentName: componentName });
}
