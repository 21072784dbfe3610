import { sageMakerArn } from "../domain/arn.js";
import { sageMakerErrors } from "../domain/errors/sagemaker.js";
import { checkVariantCounts } from "../domain/quotas.js";
import type { EndpointConfigDefinition, EndpointConfigRecord, ModelRecord, ProductionVariant, Tag } from "../domain/resources.js";
import { absent, del, put, StoreConflictError } from "../state/records.js";
import type { ControlDeps } from "./deps.js";
import { listPage, type ListRequest } from "./listing.js";
import { compact, time } from "./output.js";
import { keys } from "../state/keys.js";
import { createTags } from "./tags.js";
import { checkRoutingConfig, prefixMatchingFromTags } from "../domain/prefix-routing.js";

export interface CreateEndpointConfigInput extends EndpointConfigDefinition {
  EndpointConfigName: string;
  Tags?: Tag[];
}

export async function createEndpointConfig(deps: ControlDeps, input: CreateEndpointConfigInput): Promise<{ EndpointConfigArn: string }> {
  const { EndpointConfigName: name, Tags: given, ...definition } = input;
  const tags = createTags(given, { allowPrefix: true });
  const arn = sageMakerArn(deps.account, "endpoint-config", name);
  await checkVariants(deps, definition.ProductionVariants);
  prefixMatchingFromTags(tags, definition.ProductionVariants);
  if (definition.ShadowProductionVariants) throw sageMakerErrors.unsupported("ShadowProductionVariants", "Remove them from the configuration.");
  if (definition.AsyncInferenceConfig) throw sageMakerErrors.unsupported("AsyncInferenceConfig", "Berth serves real-time endpoints; remove it.");
  const record: EndpointConfigRecord = { name, arn, createdAt: deps.clock.now(), definition, tags };
  try {
    await deps.store.commit([put("endpoint-config", keys.endpointConfig(name), record, absent)]);
  } catch (error) {
    if (StoreConflictError.is(error)) throw sageMakerErrors.alreadyExists("endpoint configuration", arn);
    throw error;
  }
  return { EndpointConfigArn: arn };
}

async function checkVariants(deps: ControlDeps, variants: ProductionVariant[]): Promise<void> {
  const seen = new Set<string>();
  for (const variant of variants) {
    const key = variant.VariantName.toLowerCase();
    if (seen.has(key)) throw sageMakerErrors.duplicateVariant(variant.VariantName);
    seen.add(key);
  }
  checkVariantCounts(variants, deps.quotas);
  const withModel = variants.filter((v) => v.ModelName !== undefined).length;
  if (withModel !== 0 && withModel !== variants.length) throw sageMakerErrors.mixedVariants();
  for (const variant of variants) {
    if (variant.ServerlessConfig)
      throw sageMakerErrors.unsupported(
        `ServerlessConfig on variant '${variant.VariantName}'`,
        "Give the variant an InstanceType and InitialInstanceCount instead.",
      );
    if (variant.InstancePools) throw sageMakerErrors.unsupported(`InstancePools on variant '${variant.VariantName}'`, "Use one InstanceType per variant.");
    if (!variant.InstanceType || variant.InitialInstanceCount === undefined) throw sageMakerErrors.variantNeedsInstances(variant.VariantName);
    if (!deps.catalog.get(variant.InstanceType)) throw sageMakerErrors.unknownInstanceType(variant.InstanceType, deps.catalog.suggest(variant.InstanceType));
    checkRoutingConfig(variant);
    const scaling = variant.ManagedInstanceScaling;
    if (scaling?.MinInstanceCount !== undefined && scaling.MaxInstanceCount !== undefined && scaling.MinInstanceCount > scaling.MaxInstanceCount) {
      throw sageMakerErrors.managedScalingRange(variant.VariantName, scaling.MinInstanceCount, scaling.MaxInstanceCount);
    }
    if (variant.ModelName !== undefined) {
      const model = await deps.store.get("model", keys.model(variant.ModelName));
      if (!model) throw sageMakerErrors.notFound("model", sageMakerArn(deps.account, "model", variant.ModelName));
    }
  }
}

export async function getEndpointConfig(deps: ControlDeps, name: string): Promise<EndpointConfigRecord> {
  const entry = await deps.store.get("endpoint-config", keys.endpointConfig(name));
  if (!entry) throw sageMakerErrors.notFound("endpoint configuration", sageMakerArn(deps.account, "endpoint-config", name));
  return entry.value;
}

export async function describeEndpointConfig(deps: ControlDeps, input: { EndpointConfigName: string }) {
  const config = await getEndpointConfig(deps, input.EndpointConfigName);
  return compact({ EndpointConfigName: config.name, EndpointConfigArn: config.arn, CreationTime: time(config.createdAt), ...config.definition });
}

export async function listEndpointConfigs(deps: ControlDeps, input: ListRequest) {
  const all = (await deps.store.list("endpoint-config")).map((e) => e.value);
  const page = listPage(all, input, { defaultMaxResults: 10, creationTimeAfterInclusive: true });
  return compact({
    EndpointConfigs: page.items.map((c) => ({ EndpointConfigName: c.name, EndpointConfigArn: c.arn, CreationTime: time(c.createdAt) })),
    NextToken: page.nextToken,
  });
}

/** Endpoints keep a copy of the configuration they run, so deleting it does not disturb them. */
export async function deleteEndpointConfig(deps: ControlDeps, input: { EndpointConfigName: string }): Promise<Record<string, never>> {
  const entry = await deps.store.get("endpoint-config", keys.endpointConfig(input.EndpointConfigName));
  if (!entry) throw sageMakerErrors.notFound("endpoint configuration", sageMakerArn(deps.account, "endpoint-config", input.EndpointConfigName));
  await deps.store.commit([del("endpoint-config", entry.key)]);
  return {};
}
