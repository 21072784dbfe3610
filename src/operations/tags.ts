import { sageMakerArn, type SageMakerResource } from "../domain/arn.js";
import { sageMakerErrors, type ResourceNoun } from "../domain/errors/sagemaker.js";
import type { Tag } from "../domain/resources.js";
import { isShareTagKey } from "../domain/accelerator-share.js";
import { isPrefixTagKey } from "../domain/prefix-routing.js";
import { firstReservedKey, maxTagsPerResource, mergeTags, removeTags } from "../domain/tags.js";
import { keys } from "../state/keys.js";
import { put, unchanged } from "../state/records.js";
import { withConflictRetry } from "../state/retry.js";
import type { ControlDeps } from "./deps.js";
import { offsetPage } from "./offset-paging.js";
import { compact } from "./output.js";

/** The SageMaker resources Berth serves that carry tags: the record kind (also the ARN's resource type) and the noun errors use. */
const taggable: Record<SageMakerResource, ResourceNoun> = {
  model: "model",
  "endpoint-config": "endpoint configuration",
  endpoint: "endpoint",
  "inference-component": "inference component",
};

/**
 * Refuses user-set keys with a reserved prefix, and merges keys given twice (the last value wins). Used by
 * every create call; CreateInferenceComponent also accepts the share tags (src/domain/accelerator-share.ts), and
 * CreateEndpointConfig the prefix-matching tags (src/domain/prefix-routing.ts).
 */
export function createTags(tags: readonly Tag[] | undefined, options: { allowShare?: boolean; allowPrefix?: boolean } = {}): Tag[] {
  const keys = (tags ?? []).map((t) => t.Key).filter((k) => !(options.allowShare && isShareTagKey(k)) && !(options.allowPrefix && isPrefixTagKey(k)));
  const reserved = firstReservedKey(keys);
  if (reserved) throw sageMakerErrors.reservedTagKey(reserved.key, reserved.prefix);
  return mergeTags([], tags ?? []);
}

const keyOf: Record<SageMakerResource, (name: string) => string> = {
  model: keys.model,
  "endpoint-config": keys.endpointConfig,
  endpoint: keys.endpoint,
  "inference-component": keys.component,
};

const arnPattern = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]*):([0-9]{12}):([a-z-]+)\/(.+)$/;

/** Finds the record an ARN names; an ARN of another account or region, or of a name that does not exist, is not found. */
async function taggedEntry(deps: ControlDeps, arn: string) {
  const parsed = arnPattern.exec(arn);
  const kind = parsed?.[3] as SageMakerResource | undefined;
  if (!parsed || !kind || !Object.hasOwn(taggable, kind)) throw sageMakerErrors.untaggableArn(arn);
  const notFound = () => sageMakerErrors.notFound(taggable[kind], arn);
  const name = parsed[4]!;
  // ARNs carry the name lower-cased; one of another partition, region or account names nothing Berth holds.
  if (arn.toLowerCase() !== sageMakerArn(deps.account, kind, name)) throw notFound();
  const entry = await deps.store.get(kind, keyOf[kind](name));
  if (!entry) throw notFound();
  return { kind, entry };
}

/** Changes a resource's tags in one commit that expects the record unchanged since it was read (a conflict re-reads). */
async function changeTags(deps: ControlDeps, arn: string, change: (tags: Tag[]) => Tag[]): Promise<Tag[]> {
  return withConflictRetry(async () => {
    const { kind, entry } = await taggedEntry(deps, arn);
    const tags = change(entry.value.tags ?? []);
    await deps.store.commit([put(kind, entry.key, { ...entry.value, tags }, unchanged(entry))]);
    return tags;
  });
}

/** A share, or prefix matching, is fixed when its resource is created: a tag call that changed it would change nothing that runs. */
function refuseFixedKeys(keys: readonly string[]): void {
  const key = keys.find(isShareTagKey);
  if (key) throw sageMakerErrors.shareTagFixed(key);
  const prefix = keys.find(isPrefixTagKey);
  if (prefix) throw sageMakerErrors.prefixTagFixed(prefix);
}

export async function addTags(deps: ControlDeps, input: { ResourceArn: string; Tags: Tag[] }): Promise<{ Tags: Tag[] }> {
  refuseFixedKeys(input.Tags.map((t) => t.Key));
  const added = createTags(input.Tags);
  await changeTags(deps, input.ResourceArn, (tags) => {
    const merged = mergeTags(tags, added);
    if (merged.length > maxTagsPerResource) throw sageMakerErrors.tooManyTags(input.ResourceArn, merged.length, maxTagsPerResource);
    return merged;
  });
  // AWS answers with the tags the request added.
  return { Tags: added };
}

export async function deleteTags(deps: ControlDeps, input: { ResourceArn: string; TagKeys: string[] }): Promise<Record<string, never>> {
  refuseFixedKeys(input.TagKeys);
  await changeTags(deps, input.ResourceArn, (tags) => removeTags(tags, input.TagKeys));
  return {};
}

/** A resource holds at most 50 tags and MaxResults is at least 50, so one page holds them all; the token is an offset all the same. */
export async function listTags(deps: ControlDeps, input: { ResourceArn: string; NextToken?: string; MaxResults?: number }) {
  const { entry } = await taggedEntry(deps, input.ResourceArn);
  const tags = entry.value.tags ?? [];
  const page = offsetPage(tags, input, maxTagsPerResource, sageMakerErrors.invalidNextToken);
  return compact({ Tags: page.items, NextToken: page.nextToken });
}
