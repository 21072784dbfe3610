import { randomUUID } from "node:crypto";
import type { ScalingActivityRecord } from "../../autoscaling/records.js";
import { targetKey } from "../../autoscaling/records.js";
import { del, put, type BerthStore } from "../../state/records.js";

/** Activities sort by key: target, then start time. */
export function activityKey(activity: ScalingActivityRecord): string {
  return `${targetKey(activity.resourceId, activity.scalableDimension)}|${String(activity.startTime).padStart(15, "0")}|${activity.activityId}`;
}

const keptPerTarget = 200;

export function newActivity(fields: Omit<ScalingActivityRecord, "activityId" | "serviceNamespace">): ScalingActivityRecord {
  return { activityId: randomUUID(), serviceNamespace: "sagemaker", ...fields };
}

/** Records an activity and keeps only the newest ones of its target. */
export async function recordActivity(store: BerthStore, activity: ScalingActivityRecord): Promise<void> {
  const prefix = `${targetKey(activity.resourceId, activity.scalableDimension)}|`;
  const existing = await store.list("scaling-activity", { prefix });
  const surplus = existing.length + 1 - keptPerTarget;
  const ops = [put("scaling-activity", activityKey(activity), activity)];
  for (const old of existing.slice(0, Math.max(0, surplus))) ops.push(del("scaling-activity", old.key));
  await store.commit(ops);
}

export interface DescribeScalingActivitiesInput {
  ServiceNamespace: string;
  ResourceId?: string;
  ScalableDimension?: string;
  MaxResults?: number;
  NextToken?: string;
  IncludeNotScaledActivities?: boolean;
}
