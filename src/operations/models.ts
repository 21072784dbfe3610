import { sageMakerArn } from "../domain/arn.js";
import { checkModelArtifacts } from "./artifact-urls.js";
import { sageMakerErrors } from "../domain/errors/sagemaker.js";
import type { ModelRecord, Tag } from "../domain/resources.js";
import { absent, del, put, StoreConflictError } from "../state/records.js";
import { checkCopyLaunch } from "./copy-launch-checks.js";
import type { ControlDeps } from "./deps.js";
import { listPage, type ListRequest } from "./listing.js";
import { compact, time } from "./output.js";
import { keys } from "../state/keys.js";
import { createTags } from "./tags.js";

export interface CreateModelInput {
  ModelName: string;
  Tags?: Tag[];
  [member: string]: unknown;
}

export async function createModel(deps: ControlDeps, input: CreateModelInput): Promise<{ ModelArn: string }> {
  const { ModelName: name, Tags: given, ...definition } = input;
  const tags = createTags(given);
  const arn = sageMakerArn(deps.account, "model", name);
  const primary = definition.PrimaryContainer as { Image?: string; Environment?: unknown } | undefined;
  const containers = definition.Containers as { Image?: string; Environment?: unknown }[] | undefined;
  if (primary !== undefined && containers !== undefined) throw sageMakerErrors.modelWithBothContainers(name);
  if (!primary?.Image && !(containers && containers.length > 0 && containers.every((c) => c.Image))) {
    throw sageMakerErrors.modelWithoutContainer(name);
  }
  checkModelArtifacts(deps.artifacts, definition);
  if (primary) checkCopyLaunch(deps, `Model '${name}' PrimaryContainer`, primary.Image, primary.Environment);
  containers?.forEach((c, i) => checkCopyLaunch(deps, `Model '${name}' Containers[${i}]`, c.Image, c.Environment));
  const record: ModelRecord = { name, arn, createdAt: deps.clock.now(), definition, tags };
  try {
    await deps.store.commit([put("model", keys.model(name), record, absent)]);
  } catch (error) {
    if (StoreConflictError.is(error)) throw sageMakerErrors.alreadyExists("model", arn);
    throw error;
  }
  return { ModelArn: arn };
}

export async function getModel(deps: ControlDeps, name: string): Promise<ModelRecord> {
  const entry = await deps.store.get("model", keys.model(name));
  if (!entry) throw sageMakerErrors.notFound("model", sageMakerArn(deps.account, "model", name));
  return entry.value;
}

export async function describeModel(deps: ControlDeps, input: { ModelName: string }) {
  const model = await getModel(deps, input.ModelName);
  return compact({ ModelName: model.name, ModelArn: model.arn, CreationTime: time(model.createdAt), ...model.definition });
}

export async function listModels(deps: ControlDeps, input: ListRequest) {
  const all = (await deps.store.list("model")).map((e) => e.value);
  const page = listPage(all, input, { defaultMaxResults: 10, creationTimeAfterInclusive: true });
  return compact({
    Models: page.items.map((m) => ({ ModelName: m.name, ModelArn: m.arn, CreationTime: time(m.createdAt) })),
    NextToken: page.nextToken,
  });
}

/** Inference components keep the container they resolved from a model, so deleting the model does not disturb them. */
export async function deleteModel(deps: ControlDeps, input: { ModelName: string }): Promise<Record<string, never>> {
  const entry = await deps.store.get("model", keys.model(input.ModelName));
  if (!entry) throw sageMakerErrors.notFound("model", sageMakerArn(deps.account, "model", input.ModelName));
  await deps.store.commit([del("model", entry.key)]);
  return {};
}
