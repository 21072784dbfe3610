import { sageMakerArn } from "../domain/arn.js";
import { sageMakerErrors } from "../domain/errors/sagemaker.js";
import { checkDesiredInstances, checkVariantCounts } from "../domain/quotas.js";
import { resolveVariantSpec } from "../domain/component-spec.js";
import { setVariantCapacity, variantCanHold, variantCopies, type CapacityRefusal } from "../domain/capacity-rules.js";
import { deviceMemoryMiB, instanceCapacity, type Resources } from "../domain/compute.js";
import { placeOnEmptyFleet } from "../scheduler/index.js";
import { capacityRefusalError } from "./capacity.js";
import type {
  ComponentRecord,
  EndpointDeployment,
  EndpointRecord,
  ModelRecord,
  ProductionVariant,
  ResolvedSpec,
  Tag,
  VariantState,
} from "../domain/resources.js";
import { absent, put, StoreConflictError, unchanged } from "../state/records.js";
import { componentsOfEndpoint } from "../state/components.js";
import { keys } from "../state/keys.js";
import type { ControlDeps } from "./deps.js";
import { getEndpointConfig } from "./endpoint-configs.js";
import { instancesInService, loadEndpointState, type EndpointState } from "../state/endpoint-state.js";
import { listPage, type ListRequest } from "./listing.js";
import { compact, time } from "./output.js";
import { withConflictRetry } from "../state/retry.js";
import { createTags } from "./tags.js";
import { prefixMatchingFromTags } from "../domain/prefix-routing.js";

export interface CreateEndpointInput {
  EndpointName: string;
  EndpointConfigName: string;
  DeploymentConfig?: Record<string, unknown>;
  Tags?: Tag[];
}

export function initialVariants(variants: ProductionVariant[]): Record<string, VariantState> {
  return Object.fromEntries(
    variants.map((v) => [v.VariantName, { desiredInstanceCount: v.InitialInstanceCount ?? 1, desiredWeight: v.InitialVariantWeight ?? 1 }]),
  );
}

/** Resolves each single-model variant's model now, so the endpoint keeps running it if the model record is deleted. */
export async function resolveVariantSpecs(
  deps: ControlDeps,
  variants: ProductionVariant[],
  generation: number,
): Promise<Record<string, ResolvedSpec> | undefined> {
  const specs: Record<string, ResolvedSpec> = {};
  for (const variant of variants) {
    if (!variant.ModelName) continue;
    const entry = await deps.store.get("model", keys.model(variant.ModelName));
    if (!entry) throw sageMakerErrors.notFound("model", sageMakerArn(deps.account, "model", variant.ModelName));
    specs[variant.VariantName] = resolveVariantSpec(entry.value, variant, deps.catalog.get(variant.InstanceType!)!, deps.capacity, generation);
  }
  return Object.keys(specs).length > 0 ? specs : undefined;
}

export async function createEndpoint(deps: ControlDeps, input: CreateEndpointInput): Promise<{ EndpointArn: string }> {
  checkEndpointDeploymentConfig(input.DeploymentConfig);
  const tags = createTags(input.Tags);
  const arn = sageMakerArn(deps.account, "endpoint", input.EndpointName);
  const config = await getEndpointConfig(deps, input.EndpointConfigName);
  // The configuration may predate a lowered quota.
  checkVariantCounts(config.definition.ProductionVariants, deps.quotas);
  const now = deps.clock.now();
  const record: EndpointRecord = {
    name: input.EndpointName,
    arn,
    createdAt: now,
    lastModifiedAt: now,
    status: "Creating",
    current: {
      generation: 1,
      configName: config.name,
      config: config.definition,
      prefixBlocks: prefixMatchingFromTags(config.tags, config.definition.ProductionVariants),
      variants: initialVariants(config.definition.ProductionVariants),
      variantSpecs: await resolveVariantSpecs(deps, config.definition.ProductionVariants, 1),
      startedAt: now,
    },
    deploymentConfig: input.DeploymentConfig,
    // DescribeEndpoint shows the create call's DeploymentConfig too (Terraform reads it back into deployment_config).
    lastDeploymentConfig: input.DeploymentConfig,
    nextGeneration: 2,
    tags,
  };
  try {
    await deps.store.commit([put("endpoint", keys.endpoint(input.EndpointName), record, absent)]);
  } catch (error) {
    if (StoreConflictError.is(error)) throw sageMakerErrors.alreadyExists("endpoint", arn);
    throw error;
  }
  return { EndpointArn: arn };
}

export async function describeEndpoint(deps: ControlDeps, input: { EndpointName: string }) {
  const state = await loadEndpointState(deps.store, input.EndpointName);
  if (!state.endpoint) throw sageMakerErrors.notFound("endpoint", sageMakerArn(deps.account, "endpoint", input.EndpointName));
  const endpoint = state.endpoint.value;
  const models = await variantModels(deps, endpoint.current);
  return compact({
    EndpointName: endpoint.name,
    EndpointArn: endpoint.arn,
    EndpointConfigName: endpoint.current.configName,
    ProductionVariants: endpoint.current.config.ProductionVariants.map((v) => variantSummary(state, endpoint, endpoint.current, v, models)),
    EndpointStatus: endpoint.status,
    FailureReason: endpoint.failureReason,
    CreationTime: time(endpoint.createdAt),
    LastModifiedTime: time(endpoint.lastModifiedAt),
    LastDeploymentConfig: endpoint.lastDeploymentConfig,
    PendingDeploymentSummary: endpoint.pending
      ? {
          EndpointConfigName: endpoint.pending.configName,
          ProductionVariants: endpoint.pending.config.ProductionVariants.map((v) => variantSummary(state, endpoint, endpoint.pending!, v, models)),
          StartTime: time(endpoint.pending.startedAt),
        }
      : undefined,
  });
}

async function variantModels(deps: ControlDeps, deployment: EndpointDeployment): Promise<Map<string, ModelRecord>> {
  const out = new Map<string, ModelRecord>();
  for (const v of deployment.config.ProductionVariants) {
    if (!v.ModelName) continue;
    const entry = await deps.store.get("model", keys.model(v.ModelName));
    if (entry) out.set(v.VariantName, entry.value);
  }
  return out;
}

function variantSummary(
  state: EndpointState,
  endpoint: EndpointRecord,
  deployment: EndpointDeployment,
  variant: ProductionVariant,
  models: Map<string, ModelRecord>,
) {
  const desired = deployment.variants[variant.VariantName] ?? { desiredInstanceCount: 0, desiredWeight: 1 };
  const current = instancesInService(state, variant.VariantName, deployment);
  const image = models.get(variant.VariantName)?.definition.PrimaryContainer?.Image;
  const variantStatus =
    endpoint.status === "Creating" || endpoint.status === "Updating" || endpoint.status === "Deleting"
      ? [{ Status: endpoint.status, StatusMessage: statusMessage(endpoint, current, desired.desiredInstanceCount), StartTime: time(deployment.startedAt) }]
      : undefined;
  return compact({
    VariantName: variant.VariantName,
    DeployedImages: image ? [{ SpecifiedImage: image, ResolvedImage: image, ResolutionTime: time(deployment.startedAt) }] : undefined,
    CurrentWeight: desired.desiredWeight,
    DesiredWeight: desired.desiredWeight,
    CurrentInstanceCount: current,
    DesiredInstanceCount: desired.desiredInstanceCount,
    VariantStatus: variantStatus,
    ManagedInstanceScaling: variant.ManagedInstanceScaling,
    RoutingConfig: variant.RoutingConfig,
  });
}

function statusMessage(endpoint: EndpointRecord, current: number, desired: number): string {
  if (endpoint.status === "Deleting") return "Stopping copies and releasing instances.";
  return `${current} of ${desired} instances in service.`;
}

export async function listEndpoints(deps: ControlDeps, input: ListRequest) {
  const all = (await deps.store.list("endpoint")).map((e) => ({ ...e.value, record: e.value }));
  const page = listPage(all, input, { defaultMaxResults: 10, creationTimeAfterInclusive: true });
  return compact({
    Endpoints: page.items.map(({ record: e }) => ({
      EndpointName: e.name,
      EndpointArn: e.arn,
      CreationTime: time(e.createdAt),
      LastModifiedTime: time(e.lastModifiedAt),
      EndpointStatus: e.status,
    })),
    NextToken: page.nextToken,
  });
}

export interface UpdateEndpointInput {
  EndpointName: string;
  EndpointConfigName: string;
  RetainAllVariantProperties?: boolean;
  ExcludeRetainedVariantProperties?: { VariantPropertyType: string }[];
  DeploymentConfig?: Record<string, unknown>;
  RetainDeploymentConfig?: boolean;
}

/**
 * Berth moves endpoints blue/green with all traffic at once; the deployment-config fields that ask for
 * anything else are refused rather than silently ignored.
 */
export function checkEndpointDeploymentConfig(config: Record<string, unknown> | undefined): void {
  if (!config) return;
  if (config.RollingUpdatePolicy)
    throw sageMakerErrors.unsupported(
      "An endpoint-level RollingUpdatePolicy",
      "Berth updates endpoints blue/green; omit RollingUpdatePolicy, or roll inference components with UpdateInferenceComponent.",
    );
  const blueGreen = config.BlueGreenUpdatePolicy as { TrafficRoutingConfiguration?: { Type?: string } } | undefined;
  const type = blueGreen?.TrafficRoutingConfiguration?.Type;
  if (type && type !== "ALL_AT_ONCE")
    throw sageMakerErrors.unsupported(`Traffic routing type ${type}`, "Berth shifts traffic all at once; use TrafficRoutingConfiguration.Type ALL_AT_ONCE.");
  if (config.AutoRollbackConfiguration)
    throw sageMakerErrors.unsupported(
      "AutoRollbackConfiguration on UpdateEndpoint",
      "Berth rolls an endpoint update back when its new copies fail their health checks; alarm-based rollback is available for inference components.",
    );
}

export async function updateEndpoint(deps: ControlDeps, input: UpdateEndpointInput): Promise<{ EndpointArn: string }> {
  checkEndpointDeploymentConfig(input.DeploymentConfig);
  const config = await getEndpointConfig(deps, input.EndpointConfigName);
  checkVariantCounts(config.definition.ProductionVariants, deps.quotas);
  return withConflictRetry(async () => {
    const arn = sageMakerArn(deps.account, "endpoint", input.EndpointName);
    const entry = await deps.store.get("endpoint", keys.endpoint(input.EndpointName));
    if (!entry) throw sageMakerErrors.notFound("endpoint", arn);
    const endpoint = entry.value;
    if (endpoint.status !== "InService") throw sageMakerErrors.endpointWrongState(arn, endpoint.status, "update");
    const newVariants = config.definition.ProductionVariants;
    const hostsModels = (vs: ProductionVariant[]) => vs.some((v) => v.ModelName !== undefined);
    if (hostsModels(newVariants) !== hostsModels(endpoint.current.config.ProductionVariants)) throw sageMakerErrors.updateChangesKind(endpoint.name);
    const components = (await componentsOfEndpoint(deps.store, endpoint.name)).map((c) => c.value);
    for (const variant of endpoint.current.config.ProductionVariants) {
      const hosted = components.filter((c) => c.variantName === variant.VariantName).map((c) => c.name);
      if (hosted.length > 0 && !newVariants.some((v) => v.VariantName === variant.VariantName)) {
        throw sageMakerErrors.updateDropsVariant(endpoint.name, variant.VariantName, hosted);
      }
    }
    const variants = initialVariants(newVariants);
    if (input.RetainAllVariantProperties) {
      const excluded = new Set((input.ExcludeRetainedVariantProperties ?? []).map((p) => p.VariantPropertyType));
      for (const [name, state] of Object.entries(variants)) {
        const old = endpoint.current.variants[name];
        if (!old) continue;
        if (!excluded.has("DesiredInstanceCount")) state.desiredInstanceCount = old.desiredInstanceCount;
        if (!excluded.has("DesiredWeight")) state.desiredWeight = old.desiredWeight;
      }
      checkDesiredInstances(variants, deps.quotas);
    }
    // The new instances must be able to hold the copies the components want, or the update could never finish.
    // Managed instance scaling adds no instance while an update is pending, so the new count must do alone.
    for (const variant of newVariants) {
      const type = variant.InstanceType;
      const spec = type ? deps.catalog.get(type) : undefined;
      if (!type || !spec) continue;
      const wanted = variantCopies(variant.VariantName, components, { type, capacity: instanceCapacity(spec, deps.capacity) });
      const desired = variants[variant.VariantName]?.desiredInstanceCount ?? 0;
      const refusal = variantCanHold(endpoint.name, variant.VariantName, desired, wanted);
      if (refusal) throw capacityRefusalError(refusal);
      const others = Object.entries(variants).reduce((sum, [name, v]) => sum + (name === variant.VariantName ? 0 : v.desiredInstanceCount), 0);
      const packing = copiesDoNotPack(endpoint.name, variant.VariantName, components, desired, deps.quotas.maxInstancesPerEndpoint - others, {
        type,
        capacity: wanted.instance!.capacity,
        deviceMemoryMiB: deviceMemoryMiB(spec),
      });
      if (packing) throw capacityRefusalError(packing);
    }
    const now = deps.clock.now();
    const deploymentConfig = input.RetainDeploymentConfig ? endpoint.deploymentConfig : input.DeploymentConfig;
    const updated: EndpointRecord = {
      ...endpoint,
      status: "Updating",
      failureReason: undefined,
      lastModifiedAt: now,
      pending: {
        generation: endpoint.nextGeneration,
        configName: config.name,
        config: config.definition,
        prefixBlocks: prefixMatchingFromTags(config.tags, config.definition.ProductionVariants),
        variants,
        variantSpecs: await resolveVariantSpecs(deps, newVariants, endpoint.nextGeneration),
        startedAt: now,
      },
      nextGeneration: endpoint.nextGeneration + 1,
      deploymentConfig,
      lastDeploymentConfig: deploymentConfig ?? endpoint.lastDeploymentConfig,
    };
    await deps.store.commit([put("endpoint", entry.key, updated, unchanged(entry))]);
    return { EndpointArn: endpoint.arn };
  });
}

/**
 * Whether the copies a variant's inference components want pack onto `count` empty instances of its new type,
 * as the endpoint controller will place them (the scheduler's own placement): copies that fit in sum may not,
 * since a copy never spans instances, and an update that could never place them stayed Updating for good.
 */
function copiesDoNotPack(
  endpoint: string,
  variant: string,
  components: readonly ComponentRecord[],
  count: number,
  limit: number,
  instance: { type: string; capacity: Resources; deviceMemoryMiB: number },
): CapacityRefusal | undefined {
  const wanting = components.filter((c) => c.variantName === variant && c.status !== "Deleting" && !c.resolved.baseComponentName && c.desiredCopyCount > 0);
  if (wanting.length === 0 || count === 0) return undefined;
  const demands = wanting.map((c) => ({
    component: c.name,
    copies: c.desiredCopyCount,
    needs: c.resolved.needs,
    share: c.resolved.share,
    strategy: c.resolved.strategy,
  }));
  const deviceIndices = Array.from({ length: instance.capacity.accelerators }, (_, i) => i);
  const template = {
    capacity: instance.capacity,
    deviceIndices,
    deviceMemoryMiB: deviceIndices.map(() => instance.deviceMemoryMiB),
    instanceType: instance.type,
  };
  const { unplaced, needed } = placeOnEmptyFleet(demands, template, count, Math.max(count, limit));
  const short = [...unplaced].sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0))[0];
  if (!short) return undefined;
  const demand = demands.find((d) => d.component === short.component)!;
  return {
    code: "CopiesDoNotPack",
    endpoint,
    variant,
    instanceType: instance.type,
    requested: count,
    component: demand.component,
    copies: demand.copies,
    placed: demand.copies - short.missing,
    needs: demand.needs,
    capacity: instance.capacity,
    ...(needed !== undefined ? { minimum: needed } : {}),
  };
}

export async function deleteEndpoint(deps: ControlDeps, input: { EndpointName: string }): Promise<Record<string, never>> {
  return withConflictRetry(async () => {
    const entry = await deps.store.get("endpoint", keys.endpoint(input.EndpointName));
    if (!entry) throw sageMakerErrors.notFound("endpoint", sageMakerArn(deps.account, "endpoint", input.EndpointName));
    if (entry.value.status === "Deleting") return {};
    // Components already Deleting do not hold the endpoint (SDK v2's delete_predictor(); delete_endpoint() sends
    // this at once): the controller drains them with the endpoint and removes them all in one commit.
    const staying = (await componentsOfEndpoint(deps.store, entry.value.name)).map((c) => c.value).filter((c) => c.status !== "Deleting");
    if (staying.length > 0)
      throw sageMakerErrors.endpointHasComponents(
        entry.value.name,
        staying.map((c) => c.name),
      );
    const updated: EndpointRecord = { ...entry.value, status: "Deleting", lastModifiedAt: deps.clock.now() };
    await deps.store.commit([put("endpoint", entry.key, updated, unchanged(entry))]);
    return {};
  });
}

export interface UpdateEndpointWeightsAndCapacitiesInput {
  EndpointName: string;
  DesiredWeightsAndCapacities: { VariantName: string; DesiredWeight?: number; DesiredInstanceCount?: number }[];
}

/** What Application Auto Scaling calls for variant instance counts; also open to users. */
export async function updateEndpointWeightsAndCapacities(deps: ControlDeps, input: UpdateEndpointWeightsAndCapacitiesInput): Promise<{ EndpointArn: string }> {
  return withConflictRetry(async () => {
    const arn = sageMakerArn(deps.account, "endpoint", input.EndpointName);
    const entry = await deps.store.get("endpoint", keys.endpoint(input.EndpointName));
    if (!entry) throw sageMakerErrors.notFound("endpoint", arn);
    const changes = input.DesiredWeightsAndCapacities.map((c) => ({ variant: c.VariantName, instances: c.DesiredInstanceCount, weight: c.DesiredWeight }));
    // A lowered instance count must leave room for the copies the variant's inference components want.
    const lowers = changes.some((c) => c.instances !== undefined && c.instances < (entry.value.current.variants[c.variant]?.desiredInstanceCount ?? 0));
    const components = lowers ? (await componentsOfEndpoint(deps.store, entry.value.name)).map((c) => c.value) : [];
    const copiesOf = (variant: string) => {
      const type = entry.value.current.config.ProductionVariants.find((v) => v.VariantName === variant)?.InstanceType;
      const spec = type ? deps.catalog.get(type) : undefined;
      return variantCopies(variant, components, spec && type ? { type, capacity: instanceCapacity(spec, deps.capacity) } : undefined);
    };
    const change = setVariantCapacity(entry.value, changes, deps.quotas, deps.clock.now(), copiesOf);
    if (!change.ok) throw capacityRefusalError(change.refusal);
    await deps.store.commit([put("endpoint", entry.key, change.record, unchanged(entry))]);
    return { EndpointArn: entry.value.arn };
  });
}
