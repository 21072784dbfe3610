import { checkSpecificationArtifacts } from "./artifact-urls.js";
import { nameKey, sageMakerArn } from "../domain/arn.js";
import { resolveSpec, type ComponentSpecification } from "../domain/component-spec.js";
import { adapterErrors, deploymentErrors, sageMakerErrors } from "../domain/errors/sagemaker.js";
import { checkCopyCount } from "../domain/quotas.js";
import { startRollout } from "../rollout/decide.js";
import { setCopyCount } from "../domain/capacity-rules.js";
import { capacityRefusalError } from "./capacity.js";
import { rolloutPolicy, type InferenceComponentDeploymentConfig } from "./deployment-policy.js";
import type { ComponentRecord, EndpointRecord, ModelRecord, ProductionVariant, ResolvedSpec, Tag } from "../domain/resources.js";
import { put, StoreConflictError, unchanged, type Entry } from "../state/records.js";
import { adaptersOf, componentsOfEndpoint, createComponentOps, findComponent } from "../state/components.js";
import { keys } from "../state/keys.js";
import { checkCopyLaunch } from "./copy-launch-checks.js";
import type { ControlDeps } from "./deps.js";
import { loadEndpointState, readyCopies } from "../state/endpoint-state.js";
import { listPage, type ListRequest } from "./listing.js";
import { compact, time } from "./output.js";
import { createTags } from "./tags.js";
import { shareFromTags } from "../domain/accelerator-share.js";
import { withConflictRetry } from "../state/retry.js";

export interface CreateInferenceComponentInput {
  InferenceComponentName: string;
  EndpointName: string;
  VariantName?: string;
  Specification?: ComponentSpecification;
  Specifications?: ComponentSpecification[];
  RuntimeConfig?: { CopyCount: number };
  Tags?: Tag[];
}

const usableEndpointStates = new Set(["Creating", "InService", "Updating", "SystemUpdating"]);

export async function createInferenceComponent(deps: ControlDeps, input: CreateInferenceComponentInput): Promise<{ InferenceComponentArn: string }> {
  const name = input.InferenceComponentName;
  const arn = sageMakerArn(deps.account, "inference-component", name);
  if ((input.Specification === undefined) === (input.Specifications === undefined)) throw sageMakerErrors.specificationChoice();
  checkSpecificationArtifacts(deps.artifacts, input);
  if (input.RuntimeConfig) checkCopyCount("RuntimeConfig.CopyCount", input.RuntimeConfig.CopyCount, deps.quotas);
  if (await findComponent(deps.store, name)) throw sageMakerErrors.alreadyExists("inference component", arn);
  const tags = createTags(input.Tags, { allowShare: true });
  const share = shareFromTags(tags);
  return withConflictRetry(async () => {
    const endpointEntry = await deps.store.get("endpoint", keys.endpoint(input.EndpointName));
    if (!endpointEntry) throw sageMakerErrors.notFound("endpoint", sageMakerArn(deps.account, "endpoint", input.EndpointName));
    const endpoint = endpointEntry.value;
    if (!usableEndpointStates.has(endpoint.status))
      throw sageMakerErrors.endpointNotUsable(endpoint.name, endpoint.status, `create inference component '${name}'`);
    const deployment = endpoint.pending ?? endpoint.current;
    const variant = chooseVariant(endpoint.name, deployment.config.ProductionVariants, input.VariantName);
    if (variant.ModelName) throw sageMakerErrors.variantHostsModel(endpoint.name, variant.VariantName, variant.ModelName);
    const spec = pickSpecification(input, variant);
    const base = spec.BaseInferenceComponentName ? await adapterBase(deps, name, endpoint.name, spec) : undefined;
    if (base && input.RuntimeConfig) throw deploymentErrors.adapterRuntimeConfig(name);
    if (base && share)
      throw sageMakerErrors.invalid(`Adapter inference component '${name}' runs inside the copies of its base, so it takes no accelerator share of its own.`);
    const model = spec.ModelName ? await getModelRecord(deps, spec.ModelName) : undefined;
    const resolved = base
      ? adapterSpec(base.value, spec)
      : resolveSpec(spec, {
          componentName: name,
          endpointName: endpoint.name,
          variant,
          instanceType: deps.catalog.get(variant.InstanceType!)!,
          capacity: deps.capacity,
          model,
          share,
          version: 1,
        });
    if (!base) checkResolvedLaunch(deps, name, spec, resolved);
    const now = deps.clock.now();
    const record: ComponentRecord = {
      name,
      arn,
      endpointName: endpoint.name,
      variantName: variant.VariantName,
      createdAt: now,
      lastModifiedAt: now,
      status: "Creating",
      specification: input.Specification ?? { Specifications: input.Specifications },
      resolved,
      desiredCopyCount: base ? 0 : (input.RuntimeConfig?.CopyCount ?? 1),
      nextCopyOrdinal: 1,
      tags,
    };
    try {
      // Rewriting the endpoint (and an adapter's base) bumps its revision, so a concurrent delete sees this component.
      await deps.store.commit([
        put("endpoint", endpointEntry.key, endpoint, unchanged(endpointEntry)),
        ...(base ? [put("inference-component", base.key, base.value, unchanged(base))] : []),
        ...createComponentOps(record),
      ]);
    } catch (error) {
      if (StoreConflictError.is(error) && error.kind === "inference-component") throw sageMakerErrors.alreadyExists("inference component", arn);
      throw error;
    }
    return { InferenceComponentArn: arn };
  });
}

/** The specification's own container is checked first, so its mistakes are named as its own; then what the copy would run. */
function checkResolvedLaunch(deps: ControlDeps, name: string, spec: ComponentSpecification, resolved: ResolvedSpec): void {
  const where = `Inference component '${name}' Specification.Container`;
  checkCopyLaunch(deps, where, spec.Container?.Image, spec.Container?.Environment);
  checkCopyLaunch(deps, spec.ModelName ? `Inference component '${name}' (with model '${spec.ModelName}')` : where, resolved.image, resolved.environment);
}

/** An adapter lives in the copies of a base component on the same endpoint. */
async function adapterBase(deps: ControlDeps, name: string, endpointName: string, spec: ComponentSpecification): Promise<Entry<ComponentRecord>> {
  const baseName = spec.BaseInferenceComponentName!;
  const base = await findComponent(deps.store, baseName);
  if (!base) throw sageMakerErrors.notFound("inference component", baseName);
  if (nameKey(base.value.endpointName) !== nameKey(endpointName)) throw adapterErrors.otherEndpoint(name, baseName, base.value.endpointName);
  if (base.value.resolved.baseComponentName) throw adapterErrors.baseIsAdapter(name, baseName);
  if (base.value.status === "Deleting") throw sageMakerErrors.componentWrongState(baseName, "DELETE_IN_PROGRESS", `add adapter '${name}' to`);
  if (!spec.Container?.ArtifactUrl) throw adapterErrors.artifactRequired(name);
  if (spec.ComputeResourceRequirements || spec.Container.Image || spec.ModelName) throw adapterErrors.onlyArtifact(name);
  return base;
}

/** An adapter runs in its base's copies: it reserves nothing and keeps only its artifact. */
function adapterSpec(base: ComponentRecord, spec: ComponentSpecification): ResolvedSpec {
  return {
    ...base.resolved,
    version: 1,
    artifactUrl: spec.Container!.ArtifactUrl,
    environment: {},
    needs: { accelerators: 0, cpuMillis: 0, memoryMiB: 0 },
    maxMemoryMiB: undefined,
    baseComponentName: base.name,
  };
}

function chooseVariant(endpointName: string, variants: ProductionVariant[], requested: string | undefined): ProductionVariant {
  if (requested === undefined) {
    if (variants.length === 1) return variants[0]!;
    throw sageMakerErrors.variantRequired(
      endpointName,
      variants.map((v) => v.VariantName),
    );
  }
  const variant = variants.find((v) => v.VariantName === requested);
  if (!variant)
    throw sageMakerErrors.variantNotFound(
      requested,
      endpointName,
      variants.map((v) => v.VariantName),
    );
  return variant;
}

/** With the list form, the entry for the variant's instance type applies. */
function pickSpecification(input: CreateInferenceComponentInput, variant: ProductionVariant): ComponentSpecification {
  if (input.Specification) return input.Specification;
  const list = input.Specifications!;
  const match = list.find((s) => s.InstanceType === variant.InstanceType) ?? (list.length === 1 && !list[0]!.InstanceType ? list[0] : undefined);
  if (!match) {
    throw sageMakerErrors.invalid(
      `None of the Specifications is for instance type ${variant.InstanceType}, which variant '${variant.VariantName}' uses. Add an entry with InstanceType '${variant.InstanceType}'.`,
    );
  }
  return match;
}

async function getModelRecord(deps: ControlDeps, modelName: string): Promise<ModelRecord> {
  const entry = await deps.store.get("model", keys.model(modelName));
  if (!entry) throw sageMakerErrors.notFound("model", sageMakerArn(deps.account, "model", modelName));
  return entry.value;
}

async function getComponentEntry(deps: ControlDeps, name: string): Promise<Entry<ComponentRecord>> {
  const entry = await findComponent(deps.store, name);
  if (!entry) throw sageMakerErrors.notFound("inference component", name);
  return entry;
}

export async function describeInferenceComponent(deps: ControlDeps, input: { InferenceComponentName: string }) {
  const component = (await getComponentEntry(deps, input.InferenceComponentName)).value;
  const state = await loadEndpointState(deps.store, component.endpointName);
  const current = readyCopies(state, component.name);
  const instanceType = state.endpoint
    ? (state.endpoint.value.pending ?? state.endpoint.value.current).config.ProductionVariants.find((v) => v.VariantName === component.variantName)
        ?.InstanceType
    : undefined;
  const specification = component.specification.Specifications ? undefined : specificationSummary(component.specification as ComponentSpecification, component);
  return compact({
    InferenceComponentName: component.name,
    InferenceComponentArn: component.arn,
    EndpointName: component.endpointName,
    EndpointArn: sageMakerArn(deps.account, "endpoint", component.endpointName),
    VariantName: component.variantName,
    FailureReason: component.failureReason ?? component.lastUpdateFailure,
    Specification: specification,
    Specifications: (component.specification.Specifications as ComponentSpecification[] | undefined)?.map((s) => specificationSummary(s, component)),
    RuntimeConfig: component.resolved.baseComponentName
      ? undefined
      : {
          DesiredCopyCount: component.desiredCopyCount,
          CurrentCopyCount: current,
          PlacementStatus: instanceType ? [{ InstanceType: instanceType, CurrentCopyCount: current }] : undefined,
        },
    CreationTime: time(component.createdAt),
    LastModifiedTime: time(component.lastModifiedAt),
    InferenceComponentStatus: component.status,
    LastDeploymentConfig: component.lastDeploymentConfig,
  });
}

function specificationSummary(spec: ComponentSpecification, component: ComponentRecord) {
  const { Container, ...rest } = spec;
  const image = Container?.Image ?? (spec.ModelName ? component.resolved.image : undefined);
  return compact({
    ...rest,
    Container: Container
      ? compact({
          DeployedImage: image ? { SpecifiedImage: image, ResolvedImage: image, ResolutionTime: time(component.lastModifiedAt) } : undefined,
          ArtifactUrl: Container.ArtifactUrl,
          Environment: Container.Environment,
        })
      : undefined,
  });
}

export interface ListInferenceComponentsInput extends ListRequest {
  EndpointNameEquals?: string;
  VariantNameEquals?: string;
}

export async function listInferenceComponents(deps: ControlDeps, input: ListInferenceComponentsInput) {
  const entries =
    input.EndpointNameEquals === undefined ? await deps.store.list("inference-component") : await componentsOfEndpoint(deps.store, input.EndpointNameEquals);
  const all = entries.map((e) => e.value);
  const page = listPage(all, input, {
    defaultMaxResults: 10,
    extraFilter: (c) => input.VariantNameEquals === undefined || c.variantName === input.VariantNameEquals,
  });
  return compact({
    InferenceComponents: page.items.map((c) => ({
      CreationTime: time(c.createdAt),
      InferenceComponentArn: c.arn,
      InferenceComponentName: c.name,
      EndpointArn: sageMakerArn(deps.account, "endpoint", c.endpointName),
      EndpointName: c.endpointName,
      VariantName: c.variantName,
      InferenceComponentStatus: c.status,
      LastModifiedTime: time(c.lastModifiedAt),
    })),
    NextToken: page.nextToken,
  });
}

export async function updateInferenceComponentRuntimeConfig(
  deps: ControlDeps,
  input: { InferenceComponentName: string; DesiredRuntimeConfig: { CopyCount: number } },
): Promise<{ InferenceComponentArn: string }> {
  checkCopyCount("DesiredRuntimeConfig.CopyCount", input.DesiredRuntimeConfig.CopyCount, deps.quotas);
  return withConflictRetry(async () => {
    const entry = await getComponentEntry(deps, input.InferenceComponentName);
    const change = setCopyCount(entry.value, input.DesiredRuntimeConfig.CopyCount, deps.quotas, deps.clock.now());
    if (!change.ok) throw capacityRefusalError(change.refusal, { field: "DesiredRuntimeConfig.CopyCount" });
    await deps.store.commit([put("inference-component", entry.key, change.record, unchanged(entry))]);
    return { InferenceComponentArn: entry.value.arn };
  });
}

/** Deletion drains the component's copies; the record goes once the last copy has stopped. */
export async function deleteInferenceComponent(deps: ControlDeps, input: { InferenceComponentName: string }): Promise<Record<string, never>> {
  return withConflictRetry(async () => {
    const entry = await getComponentEntry(deps, input.InferenceComponentName);
    if (entry.value.status === "Deleting") throw sageMakerErrors.componentWrongState(entry.value.name, "DELETE_IN_PROGRESS", "delete");
    const adapters = await adaptersOf(deps.store, entry.value);
    if (adapters.length > 0)
      throw adapterErrors.baseHasAdapters(
        entry.value.name,
        adapters.map((a) => a.value.name),
      );
    const updated: ComponentRecord = { ...entry.value, status: "Deleting", lastModifiedAt: deps.clock.now() };
    await deps.store.commit([put("inference-component", entry.key, updated, unchanged(entry))]);
    return {};
  });
}

export interface UpdateInferenceComponentInput {
  InferenceComponentName: string;
  Specification?: ComponentSpecification;
  Specifications?: ComponentSpecification[];
  RuntimeConfig?: { CopyCount: number };
  DeploymentConfig?: InferenceComponentDeploymentConfig;
}

const inProgressState: Partial<Record<string, string>> = { Creating: "CREATE_IN_PROGRESS", Updating: "UPDATE_IN_PROGRESS", Deleting: "DELETE_IN_PROGRESS" };

/**
 * A new specification rolls out batch by batch (with DeploymentConfig) or blue/green (without); a
 * RuntimeConfig alone only changes the copy count. One update at a time.
 */
export async function updateInferenceComponent(deps: ControlDeps, input: UpdateInferenceComponentInput): Promise<{ InferenceComponentArn: string }> {
  const hasSpec = input.Specification !== undefined || input.Specifications !== undefined;
  if (!hasSpec && !input.RuntimeConfig) throw sageMakerErrors.nothingToUpdate(input.InferenceComponentName);
  if (input.Specification !== undefined && input.Specifications !== undefined) throw sageMakerErrors.specificationChoice();
  checkSpecificationArtifacts(deps.artifacts, input);
  if (input.RuntimeConfig) checkCopyCount("RuntimeConfig.CopyCount", input.RuntimeConfig.CopyCount, deps.quotas);
  return withConflictRetry(async () => {
    const entry = await getComponentEntry(deps, input.InferenceComponentName);
    const component = entry.value;
    const busy = component.rollout ? "UPDATE_IN_PROGRESS" : inProgressState[component.status];
    if (busy) throw sageMakerErrors.componentWrongState(component.name, busy, "update");
    if (component.resolved.baseComponentName)
      throw sageMakerErrors.unsupported("Updating an adapter inference component", "Delete it and create it again with the new ArtifactUrl.");
    const desired = input.RuntimeConfig?.CopyCount ?? component.desiredCopyCount;
    const now = deps.clock.now();
    const change = setCopyCount(component, desired, deps.quotas, now);
    if (!change.ok) throw capacityRefusalError(change.refusal, { field: "RuntimeConfig.CopyCount" });
    const next: ComponentRecord = { ...change.record, status: "Updating" };
    delete next.failureReason;
    delete next.lastUpdateFailure;
    delete next.resumeStatus;
    if (input.DeploymentConfig) next.lastDeploymentConfig = input.DeploymentConfig as unknown as Record<string, unknown>;
    if (hasSpec) {
      const endpoint = (await deps.store.get("endpoint", keys.endpoint(component.endpointName)))?.value;
      if (!endpoint) throw sageMakerErrors.notFound("endpoint", sageMakerArn(deps.account, "endpoint", component.endpointName));
      const deployment = endpoint.pending ?? endpoint.current;
      const variant = deployment.config.ProductionVariants.find((v) => v.VariantName === component.variantName);
      if (!variant)
        throw sageMakerErrors.variantNotFound(
          component.variantName,
          endpoint.name,
          deployment.config.ProductionVariants.map((v) => v.VariantName),
        );
      const spec = pickSpecification({ ...input, EndpointName: endpoint.name }, variant);
      if (spec.BaseInferenceComponentName)
        throw sageMakerErrors.unsupported("Changing BaseInferenceComponentName", "Create a new adapter inference component instead.");
      const model = spec.ModelName ? await getModelRecord(deps, spec.ModelName) : undefined;
      const resolved = resolveSpec(spec, {
        componentName: component.name,
        endpointName: endpoint.name,
        variant,
        instanceType: deps.catalog.get(variant.InstanceType!)!,
        capacity: deps.capacity,
        model,
        // UpdateInferenceComponent carries no tags: the share set at create holds for every version.
        share: component.resolved.share,
        version: component.resolved.version + 1,
      });
      checkResolvedLaunch(deps, component.name, spec, resolved);
      const policy = rolloutPolicy(component.name, input.DeploymentConfig, desired, deps.scale);
      for (const alarm of policy.alarms) if (!(await deps.store.get("alarm", keys.alarm(alarm)))) throw deploymentErrors.unknownAlarm(alarm);
      next.previousSpecification = component.specification;
      next.specification = input.Specification ?? { Specifications: input.Specifications };
      next.resolved = resolved;
      if (desired > 0) next.rollout = startRollout(policy, component.resolved, resolved, desired, now);
    }
    await deps.store.commit([put("inference-component", entry.key, next, unchanged(entry))]);
    return { InferenceComponentArn: component.arn };
  });
}
