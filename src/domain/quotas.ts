import { quotaErrors } from "./errors/quotas.js";
import type { ComponentRecord, EndpointDeployment, EndpointRecord, ProductionVariant, VariantState } from "./resources.js";

export interface Quotas {
  maxInstancesPerEndpoint: number;
  maxCopiesPerComponent: number;
}

/** The most instances a variant may reach: its desired count, or managed instance scaling's maximum when larger. */
function variantCeiling(variant: ProductionVariant, state: VariantState | undefined): number {
  const desired = state?.desiredInstanceCount ?? variant.InitialInstanceCount ?? 1;
  const scaling = variant.ManagedInstanceScaling;
  return scaling?.Status === "ENABLED" && scaling.MaxInstanceCount !== undefined ? Math.max(desired, scaling.MaxInstanceCount) : desired;
}

/** Refuses a configuration whose variants ask for more instances than one endpoint may have. */
export function checkVariantCounts(variants: ProductionVariant[], quotas: Quotas): void {
  const limit = quotas.maxInstancesPerEndpoint;
  let total = 0;
  for (const v of variants) {
    const initial = v.InitialInstanceCount ?? 1;
    if (initial > limit) throw quotaErrors.instancesPerEndpoint(`InitialInstanceCount of variant '${v.VariantName}'`, initial, limit);
    const max = v.ManagedInstanceScaling?.MaxInstanceCount;
    if (max !== undefined && max > limit)
      throw quotaErrors.instancesPerEndpoint(`ManagedInstanceScaling.MaxInstanceCount of variant '${v.VariantName}'`, max, limit);
    total += initial;
  }
  if (total > limit) throw quotaErrors.instancesPerEndpoint(`InitialInstanceCount summed over ${variants.length} variants`, total, limit);
}

/** Refuses desired instance counts (UpdateEndpointWeightsAndCapacities) that take an endpoint past its limit. */
export function checkDesiredInstances(variants: Record<string, VariantState>, quotas: Quotas): void {
  const limit = quotas.maxInstancesPerEndpoint;
  let total = 0;
  for (const [name, state] of Object.entries(variants)) {
    if (state.desiredInstanceCount > limit)
      throw quotaErrors.instancesPerEndpoint(`DesiredInstanceCount of variant '${name}'`, state.desiredInstanceCount, limit);
    total += state.desiredInstanceCount;
  }
  if (total > limit) throw quotaErrors.instancesPerEndpoint("DesiredInstanceCount summed over the endpoint's variants", total, limit);
}

export function checkCopyCount(what: string, copies: number, quotas: Quotas): void {
  if (copies > quotas.maxCopiesPerComponent) throw quotaErrors.copiesPerComponent(what, copies, quotas.maxCopiesPerComponent);
}

/** How many instances a stored endpoint asks for beyond its limit (the larger figure), or undefined when it is within. */
export function endpointExcess(endpoint: EndpointRecord, quotas: Quotas): number | undefined {
  const deployments: EndpointDeployment[] = endpoint.pending ? [endpoint.current, endpoint.pending] : [endpoint.current];
  let worst: number | undefined;
  for (const deployment of deployments) {
    const variants = deployment.config.ProductionVariants;
    const total = variants.reduce((sum, v) => sum + (deployment.variants[v.VariantName]?.desiredInstanceCount ?? 0), 0);
    const ceilings = variants.map((v) => variantCeiling(v, deployment.variants[v.VariantName]));
    for (const asked of [total, ...ceilings]) if (asked > quotas.maxInstancesPerEndpoint && (worst === undefined || asked > worst)) worst = asked;
  }
  return worst;
}

export function componentExcess(component: ComponentRecord, quotas: Quotas): number | undefined {
  return component.desiredCopyCount > quotas.maxCopiesPerComponent ? component.desiredCopyCount : undefined;
}
