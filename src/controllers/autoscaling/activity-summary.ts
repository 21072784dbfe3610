import type { ActivitySummary, ScalableTargetRecord, ScalingActivityRecord } from "../../autoscaling/records.js";
import type { ScalingPassResult } from "../../autoscaling/scaling-pass.js";
import { keys } from "../../state/keys.js";
import type { BerthStore, Entry } from "../../state/records.js";

/** The activities a pass reads: all of them, or only the open ones with the count of the rest. */
export interface ReadActivities {
  entries: Entry<ScalingActivityRecord>[];
  count: number;
  whole: boolean;
}

/**
 * A pass needs a target's open activities (to settle them) and its count (to prune the oldest beyond
 * the kept number). Reading the whole history, up to the kept 200 per target, on every pass made each
 * pass several times dearer for a target that had scaled for a while.
 */
export async function readActivities(store: BerthStore, target: ScalableTargetRecord, whole: boolean): Promise<ReadActivities> {
  const summary = target.activities;
  if (whole || !summary) {
    const entries = await store.list("scaling-activity", { prefix: keys.underTarget(target.resourceId, target.scalableDimension) });
    return { entries, count: entries.length, whole: true };
  }
  const read = await Promise.all(summary.open.map((key) => store.get("scaling-activity", key)));
  const entries = read.filter((entry): entry is Entry<ScalingActivityRecord> => entry !== undefined);
  return { entries, count: summary.count, whole: false };
}

/** Whether a result decided from the open activities alone could have pruned, so it must be decided again from all of them. */
export function needsWholeHistory(read: ReadActivities, result: ScalingPassResult, keep: number): boolean {
  return !read.whole && read.count + result.activities.length > keep;
}

/** The summary after a pass's commit: what it read, with the activities it wrote and pruned. */
export function summaryAfter(read: ReadActivities, result: ScalingPassResult): ActivitySummary {
  const stored = new Map(read.entries.map((entry) => [entry.value.activityId, entry.key]));
  const open = new Set(read.entries.filter((entry) => entry.value.statusCode === "InProgress").map((entry) => entry.key));
  let count = read.count;
  for (const activity of result.activities) {
    const key = stored.get(activity.activityId) ?? activityKey(activity);
    if (!stored.has(activity.activityId)) count++;
    if (activity.statusCode === "InProgress") open.add(key);
    else open.delete(key);
  }
  for (const activity of result.pruned) {
    const key = stored.get(activity.activityId);
    if (key === undefined) continue;
    count--;
    open.delete(key);
  }
  return { count, open: [...open].sort() };
}

export function sameSummary(a: ActivitySummary | undefined, b: ActivitySummary): boolean {
  return a !== undefined && a.count === b.count && a.open.length === b.open.length && a.open.every((key, i) => key === b.open[i]);
}

export function activityKey(activity: ScalingActivityRecord): string {
  return keys.scalingActivity(activity.resourceId, activity.scalableDimension, activity.startTime, activity.activityId);
}
