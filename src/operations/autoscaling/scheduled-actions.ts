import { randomUUID } from "node:crypto";
import type { ScheduledActionRecord } from "../../autoscaling/records.js";
import { parseSchedule } from "../../autoscaling/schedule.js";
import { capacityLimit } from "../../autoscaling/resource-id.js";
import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import { quotaErrors } from "../../domain/errors/quotas.js";
import { keys } from "../../state/keys.js";
import { check, del, put, unchanged } from "../../state/records.js";
import { withConflictRetry } from "../../state/retry.js";
import { isTimeZone } from "../../util/time-zones.js";
import { compact, time } from "../output.js";
import type { AutoscalingDeps } from "./deps.js";
import { pageOf } from "./paging.js";
import { recordsOfResource } from "./resource-prefix.js";
import { resolveTarget, type TargetRef } from "./targets.js";

/** Application Auto Scaling's quota of scheduled actions per scalable target. */
const maxActionsPerTarget = 200;

export interface PutScheduledActionInput extends TargetRef {
  ScheduledActionName: string;
  Schedule?: string;
  Timezone?: string;
  /** Epoch seconds, as the shape validation leaves timestamps. */
  StartTime?: number;
  EndTime?: number;
  ScalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
}

/**
 * Creates or replaces the action of that name on the target. Members left out of a replacement keep
 * their value; a replacement starts the action's schedule afresh (runs before it are not made up).
 */
export async function putScheduledAction(deps: AutoscalingDeps, input: PutScheduledActionInput): Promise<Record<string, never>> {
  const resource = resolveTarget(input);
  if (input.Schedule !== undefined) {
    const parsed = parseSchedule(input.Schedule);
    if (!parsed.ok) throw autoscalingErrors.badSchedule(input.Schedule, parsed.problem);
  }
  if (input.Timezone !== undefined && !isTimeZone(input.Timezone)) throw autoscalingErrors.badTimezone(input.Timezone);
  const action = input.ScalableTargetAction;
  if (action?.MinCapacity !== undefined && action.MinCapacity < 0) throw autoscalingErrors.negative("MinCapacity");
  if (action?.MaxCapacity !== undefined && action.MaxCapacity < 0) throw autoscalingErrors.negative("MaxCapacity");
  if (action?.MinCapacity !== undefined && action.MaxCapacity !== undefined && action.MinCapacity > action.MaxCapacity)
    throw autoscalingErrors.minAboveMax(action.MinCapacity, action.MaxCapacity);
  const limit = capacityLimit(resource.kind, deps.quotas);
  for (const field of ["MinCapacity", "MaxCapacity"] as const) {
    const asked = action?.[field];
    if (asked !== undefined && asked > limit)
      throw quotaErrors.scalableCapacity(`ScalableTargetAction.${field}`, input.ResourceId, asked, limit, resource.kind);
  }
  const targetKey = keys.scalableTarget(input.ResourceId, input.ScalableDimension);
  const key = keys.scheduledAction(input.ResourceId, input.ScalableDimension, input.ScheduledActionName);
  await withConflictRetry(async () => {
    const target = await deps.store.get("scalable-target", targetKey);
    if (!target) throw autoscalingErrors.targetNotFound(input.ResourceId, input.ScalableDimension);
    const existing = await deps.store.get("scheduled-action", key);
    if (!existing && input.Schedule === undefined) throw autoscalingErrors.scheduleNeeded();
    if (!existing) {
      const count = (await deps.store.list("scheduled-action", { prefix: keys.underTarget(input.ResourceId, input.ScalableDimension) })).length;
      if (count >= maxActionsPerTarget) throw autoscalingErrors.tooManyScheduledActions(maxActionsPerTarget);
    }
    const now = deps.clock.now();
    const before = existing?.value;
    const next: ScheduledActionRecord = {
      name: input.ScheduledActionName,
      arn: before?.arn ?? actionArn(deps, input),
      serviceNamespace: "sagemaker",
      resourceId: input.ResourceId,
      scalableDimension: target.value.scalableDimension,
      schedule: input.Schedule ?? before!.schedule,
      timezone: input.Timezone ?? before?.timezone,
      startTime: input.StartTime !== undefined ? input.StartTime * 1000 : before?.startTime,
      endTime: input.EndTime !== undefined ? input.EndTime * 1000 : before?.endTime,
      minCapacity: action ? action.MinCapacity : before?.minCapacity,
      maxCapacity: action ? action.MaxCapacity : before?.maxCapacity,
      createdAt: before?.createdAt ?? now,
      putAt: now,
    };
    if (next.startTime !== undefined && next.endTime !== undefined && next.startTime >= next.endTime) throw autoscalingErrors.startAfterEnd();
    if (next.minCapacity !== undefined && next.maxCapacity !== undefined && next.minCapacity > next.maxCapacity)
      throw autoscalingErrors.minAboveMax(next.minCapacity, next.maxCapacity);
    await deps.store.commit([
      put("scheduled-action", key, next, existing ? { modRevision: existing.modRevision } : { absent: true }),
      // The target must still be there when the action is written.
      check("scalable-target", targetKey, unchanged(target)),
    ]);
  });
  return {};
}

function actionArn(deps: AutoscalingDeps, ref: TargetRef & { ScheduledActionName: string }): string {
  return `arn:aws:autoscaling:${deps.account.region}:${deps.account.accountId}:scheduledAction:${randomUUID()}:resource/sagemaker/${ref.ResourceId}:scheduledActionName/${ref.ScheduledActionName}`;
}

export interface DescribeScheduledActionsInput {
  ServiceNamespace: string;
  ScheduledActionNames?: string[];
  ResourceId?: string;
  ScalableDimension?: string;
  MaxResults?: number;
  NextToken?: string;
}

export async function describeScheduledActions(deps: AutoscalingDeps, input: DescribeScheduledActionsInput) {
  const names = input.ScheduledActionNames ? new Set(input.ScheduledActionNames) : undefined;
  const all = (await recordsOfResource(deps, "scheduled-action", input)).filter((a) => !names || names.has(a.name));
  const page = pageOf(all, input, 50, (a) => keys.scheduledAction(a.resourceId, a.scalableDimension, a.name));
  return compact({
    ScheduledActions: page.items.map((a) =>
      compact({
        ScheduledActionName: a.name,
        ScheduledActionARN: a.arn,
        ServiceNamespace: a.serviceNamespace,
        Schedule: a.schedule,
        Timezone: a.timezone,
        ResourceId: a.resourceId,
        ScalableDimension: a.scalableDimension,
        StartTime: time(a.startTime),
        EndTime: time(a.endTime),
        ScalableTargetAction: compact({ MinCapacity: a.minCapacity, MaxCapacity: a.maxCapacity }),
        CreationTime: time(a.createdAt),
      }),
    ),
    NextToken: page.nextToken,
  });
}

export async function deleteScheduledAction(deps: AutoscalingDeps, input: TargetRef & { ScheduledActionName: string }): Promise<Record<string, never>> {
  resolveTarget(input);
  const key = keys.scheduledAction(input.ResourceId, input.ScalableDimension, input.ScheduledActionName);
  const action = await deps.store.get("scheduled-action", key);
  if (!action) throw autoscalingErrors.scheduledActionNotFound(input.ScheduledActionName, input.ResourceId, input.ScalableDimension);
  await deps.store.commit([del("scheduled-action", key)]);
  return {};
}
