import { alarmArn } from "../../alarms/alarm-config.js";
import type { AlarmRecord } from "../../alarms/types.js";
import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import type { Tag } from "../../domain/resources.js";
import { firstReservedKey, maxTagsPerResource, mergeTags, removeTags } from "../../domain/tags.js";
import { keys } from "../../state/keys.js";
import { put, unchanged } from "../../state/records.js";
import { withConflictRetry } from "../../state/retry.js";
import type { CloudWatchDeps } from "./deps.js";

/** Tags of metric alarms, the one CloudWatch resource Berth serves that carries them. */

type TagDeps = Pick<CloudWatchDeps, "store" | "account">;

/** An alarm's tags; an alarm stored before tags had a field of their own kept them in its configuration. */
export function alarmTags(alarm: AlarmRecord): Tag[] {
  return alarm.tags ?? (alarm.config.Tags as Tag[] | undefined) ?? [];
}

/** Tags with more added (a key already there takes the new value): reserved prefixes refused, at most 50 after merging. */
function withAdded(resource: string, existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const reserved = firstReservedKey(added.map((t) => t.Key));
  if (reserved) throw cloudWatchErrors.reservedTagKey(reserved.key, reserved.prefix);
  const merged = mergeTags(existing, added);
  if (merged.length > maxTagsPerResource) throw cloudWatchErrors.tooManyTags(resource, merged.length, maxTagsPerResource);
  return merged;
}

/** PutMetricAlarm's tags for a new alarm (keys given twice merged, the last value winning). */
export function checkedAlarmTags(name: string, tags: readonly Tag[] | undefined): Tag[] {
  return withAdded(name, [], tags ?? []);
}

const alarmArnPattern = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]*:[0-9]{12}:alarm:(.+)$/;

/** The alarm an ARN names; one of another partition, region or account names nothing Berth holds. */
async function alarmByArn(deps: TagDeps, arn: string) {
  const name = alarmArnPattern.exec(arn)?.[1];
  if (name === undefined) throw cloudWatchErrors.untaggableArn(arn);
  const entry = arn === alarmArn(deps.account, name) ? await deps.store.get("alarm", keys.alarm(name)) : undefined;
  if (!entry) throw cloudWatchErrors.alarmNotFoundByArn(arn, name);
  return entry;
}

async function changeTags(deps: TagDeps, arn: string, change: (tags: Tag[]) => Tag[]): Promise<void> {
  await withConflictRetry(async () => {
    const entry = await alarmByArn(deps, arn);
    const tags = change(alarmTags(entry.value));
    await deps.store.commit([put("alarm", entry.key, { ...entry.value, tags }, unchanged(entry))]);
  });
}

export async function tagResource(deps: TagDeps, input: { ResourceARN: string; Tags: Tag[] }): Promise<Record<string, never>> {
  await changeTags(deps, input.ResourceARN, (tags) => withAdded(input.ResourceARN, tags, input.Tags));
  return {};
}

export async function untagResource(deps: TagDeps, input: { ResourceARN: string; TagKeys: string[] }): Promise<Record<string, never>> {
  await changeTags(deps, input.ResourceARN, (tags) => removeTags(tags, input.TagKeys));
  return {};
}

export async function listTagsForResource(deps: TagDeps, input: { ResourceARN: string }): Promise<{ Tags: Tag[] }> {
  const entry = await alarmByArn(deps, input.ResourceARN);
  return { Tags: alarmTags(entry.value) };
}
