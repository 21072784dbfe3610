import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import { firstReservedKey, maxTagsPerResource, mergeTags, removeTags, tagsFromMap, tagsToMap } from "../../domain/tags.js";
import { put, unchanged } from "../../state/records.js";
import { withConflictRetry } from "../../state/retry.js";
import type { AutoscalingDeps } from "./deps.js";

/** Tags of scalable targets, the one Application Auto Scaling resource that carries them. */

/** Refuses keys with a reserved prefix (ValidationException). */
export function checkTagKeys(tags: Readonly<Record<string, string>>): void {
  const reserved = firstReservedKey(Object.keys(tags));
  if (reserved) throw autoscalingErrors.reservedTagKey(reserved.key, reserved.prefix);
}

/** A target's tags with more merged in (a key already there takes the new value); undefined when the result is over the limit. */
export function mergedTagMap(existing: Readonly<Record<string, string>> | undefined, added: Readonly<Record<string, string>>) {
  const merged = mergeTags(tagsFromMap(existing ?? {}), tagsFromMap(added));
  return { tags: tagsToMap(merged), count: merged.length, overLimit: merged.length > maxTagsPerResource };
}

async function targetByArn(deps: AutoscalingDeps, arn: string) {
  const entry = (await deps.store.list("scalable-target")).find((e) => e.value.arn === arn);
  if (!entry) throw autoscalingErrors.resourceNotFound(arn);
  return entry;
}

export async function tagResource(deps: AutoscalingDeps, input: { ResourceARN: string; Tags: Record<string, string> }): Promise<Record<string, never>> {
  checkTagKeys(input.Tags);
  await withConflictRetry(async () => {
    const entry = await targetByArn(deps, input.ResourceARN);
    const merged = mergedTagMap(entry.value.tags, input.Tags);
    if (merged.overLimit) throw autoscalingErrors.tooManyTags(input.ResourceARN, merged.count, maxTagsPerResource);
    await deps.store.commit([put("scalable-target", entry.key, { ...entry.value, tags: merged.tags }, unchanged(entry))]);
  });
  return {};
}

export async function untagResource(deps: AutoscalingDeps, input: { ResourceARN: string; TagKeys: string[] }): Promise<Record<string, never>> {
  await withConflictRetry(async () => {
    const entry = await targetByArn(deps, input.ResourceARN);
    const tags = tagsToMap(removeTags(tagsFromMap(entry.value.tags ?? {}), input.TagKeys));
    await deps.store.commit([put("scalable-target", entry.key, { ...entry.value, tags }, unchanged(entry))]);
  });
  return {};
}

export async function listTagsForResource(deps: AutoscalingDeps, input: { ResourceARN: string }): Promise<{ Tags: Record<string, string> }> {
  const entry = await targetByArn(deps, input.ResourceARN);
  return { Tags: entry.value.tags ?? {} };
}
