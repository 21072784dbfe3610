import { createHash } from "node:crypto";
import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import { quotaErrors } from "../../domain/errors/quotas.js";
import type { ComponentRecord, EndpointRecord } from "../../domain/resources.js";
import { type ScalableDimension, type ScalableTargetRecord, type ScalingPolicyRecord } from "../../autoscaling/records.js";
import { capacityLimit, parseResourceId, type ScalableResource } from "../../autoscaling/resource-id.js";
import { del, put, type Entry, type Op } from "../../state/records.js";
import { compact, time } from "../output.js";
import { withConflictRetry } from "../../state/retry.js";
import type { AutoscalingDeps } from "./deps.js";
import { pageOf } from "./paging.js";
import { checkTagKeys, mergedTagMap } from "./tags.js";
import { keys } from "../../state/keys.js";
import { maxTagsPerResource } from "../../domain/tags.js";

export interface TargetRef {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
}

/** Checks the namespace and that the ResourceId fits the dimension; returns the parsed resource. */
export function resolveTarget(ref: TargetRef): ScalableResource {
  if (ref.ServiceNamespace !== "sagemaker") throw autoscalingErrors.onlySageMaker(ref.ServiceNamespace);
  const resource = parseResourceId(ref.ResourceId, ref.ScalableDimension);
  if (!resource) throw autoscalingErrors.badResourceId(ref.ResourceId, ref.ScalableDimension);
  return resource;
}

async function checkResourceExists(deps: AutoscalingDeps, ref: TargetRef, resource: ScalableResource): Promise<void> {
  if (resource.kind === "component") {
    const component = await deps.store.get("inference-component", keys.component(resource.component));
    if (!component) throw autoscalingErrors.resourceMissing(ref.ResourceId, `inference component ${resource.component}`);
    return;
  }
  const endpoint = await deps.store.get("endpoint", keys.endpoint(resource.endpoint));
  if (!endpoint) throw autoscalingErrors.resourceMissing(ref.ResourceId, `endpoint ${resource.endpoint}`);
  if (!endpoint.value.current.variants[resource.variant])
    throw autoscalingErrors.resourceMissing(ref.ResourceId, `variant ${resource.variant} of endpoint ${resource.endpoint}`);
}

export interface RegisterScalableTargetInput extends TargetRef {
  MinCapacity?: number;
  MaxCapacity?: number;
  RoleARN?: string;
  SuspendedState?: ScalableTargetRecord["suspendedState"];
  Tags?: Record<string, string>;
}

/** Create-or-update; fields left out of an update keep their value. */
export async function registerScalableTarget(deps: AutoscalingDeps, input: RegisterScalableTargetInput): Promise<{ ScalableTargetARN: string }> {
  const resource = resolveTarget(input);
  if (input.Tags) checkTagKeys(input.Tags);
  await checkResourceExists(deps, input, resource);
  const key = keys.scalableTarget(input.ResourceId, input.ScalableDimension);
  const record = await withConflictRetry(async () => {
    const existing = await deps.store.get("scalable-target", key);
    if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) throw autoscalingErrors.capacityNeeded();
    const min = input.MinCapacity ?? existing!.value.minCapacity;
    const max = input.MaxCapacity ?? existing!.value.maxCapacity;
    if (min < 0) throw autoscalingErrors.negative("MinCapacity");
    if (max < 0) throw autoscalingErrors.negative("MaxCapacity");
    if (min > max) throw autoscalingErrors.minAboveMax(min, max);
    const limit = capacityLimit(resource.kind, deps.quotas);
    if (max > limit) throw quotaErrors.scalableCapacity("MaxCapacity", input.ResourceId, max, limit, resource.kind);
    // Tags given when updating a target are added to its tags, as TagResource adds them.
    const tagged = input.Tags ? mergedTagMap(existing?.value.tags, input.Tags) : undefined;
    if (tagged?.overLimit) throw autoscalingErrors.registerTooManyTags(tagged.count, maxTagsPerResource);
    const next: ScalableTargetRecord = {
      ...(existing?.value ?? {
        serviceNamespace: "sagemaker",
        resourceId: input.ResourceId,
        scalableDimension: input.ScalableDimension as ScalableDimension,
        arn: targetArn(deps, key),
        createdAt: deps.clock.now(),
        suspendedState: {},
        roleArn: serviceLinkedRole(deps),
      }),
      minCapacity: min,
      maxCapacity: max,
      ...(input.RoleARN ? { roleArn: input.RoleARN } : {}),
      ...(input.SuspendedState ? { suspendedState: { ...existing?.value.suspendedState, ...input.SuspendedState } } : {}),
      ...(tagged ? { tags: tagged.tags } : {}),
    };
    await deps.store.commit([put("scalable-target", key, next, existing ? { modRevision: existing.modRevision } : { absent: true })]);
    return next;
  });
  deps.onTargetChanged(input.ResourceId, input.ScalableDimension);
  return { ScalableTargetARN: record.arn };
}

function targetArn(deps: AutoscalingDeps, key: string): string {
  const id = createHash("sha256").update(key).digest("hex").slice(0, 32);
  return `arn:aws:application-autoscaling:${deps.account.region}:${deps.account.accountId}:scalable-target/${id}`;
}

function serviceLinkedRole(deps: AutoscalingDeps): string {
  return `arn:aws:iam::${deps.account.accountId}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`;
}

export interface DescribeScalableTargetsInput {
  ServiceNamespace: string;
  ResourceIds?: string[];
  ScalableDimension?: string;
  MaxResults?: number;
  NextToken?: string;
}

export async function describeScalableTargets(deps: AutoscalingDeps, input: DescribeScalableTargetsInput) {
  if (input.ServiceNamespace !== "sagemaker") throw autoscalingErrors.onlySageMaker(input.ServiceNamespace);
  if (input.ScalableDimension !== undefined && !input.ResourceIds?.length) throw autoscalingErrors.dimensionNeedsResource();
  const ids = input.ResourceIds ? new Set(input.ResourceIds) : undefined;
  const all = (await targetsOf(deps, ids))
    .map((e) => e.value)
    .filter((t) => (!ids || ids.has(t.resourceId)) && (!input.ScalableDimension || t.scalableDimension === input.ScalableDimension));
  const page = pageOf(all, input, 50, (t) => keys.scalableTarget(t.resourceId, t.scalableDimension));
  return compact({ ScalableTargets: page.items.map(describeTarget), NextToken: page.nextToken });
}

/** Every target, or those of the given resources (read by key prefix), in key order. */
async function targetsOf(deps: AutoscalingDeps, resourceIds: Set<string> | undefined): Promise<Entry<ScalableTargetRecord>[]> {
  if (!resourceIds) return deps.store.list("scalable-target");
  const lists = await Promise.all([...resourceIds].map((id) => deps.store.list("scalable-target", { prefix: keys.underResource(id) })));
  return lists.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function describeTarget(t: ScalableTargetRecord) {
  return {
    ServiceNamespace: t.serviceNamespace,
    ResourceId: t.resourceId,
    ScalableDimension: t.scalableDimension,
    MinCapacity: t.minCapacity,
    MaxCapacity: t.maxCapacity,
    RoleARN: t.roleArn,
    CreationTime: time(t.createdAt),
    SuspendedState: {
      DynamicScalingInSuspended: t.suspendedState.DynamicScalingInSuspended ?? false,
      DynamicScalingOutSuspended: t.suspendedState.DynamicScalingOutSuspended ?? false,
      ScheduledScalingSuspended: t.suspendedState.ScheduledScalingSuspended ?? false,
    },
    ScalableTargetARN: t.arn,
  };
}

/** Removes the target with all its policies, the alarms those policies made, and its scheduled actions. */
export async function deregisterScalableTarget(deps: AutoscalingDeps, input: TargetRef): Promise<Record<string, never>> {
  resolveTarget(input);
  const key = keys.scalableTarget(input.ResourceId, input.ScalableDimension);
  const target = await deps.store.get("scalable-target", key);
  if (!target) throw autoscalingErrors.targetNotFound(input.ResourceId, input.ScalableDimension);
  const policies = await deps.store.list("scaling-policy", { prefix: keys.underTarget(input.ResourceId, input.ScalableDimension) });
  for (const policy of policies) await deps.alarms.deleteFor(policy.value.arn);
  const scheduled = await deps.store.list("scheduled-action", { prefix: keys.underTarget(input.ResourceId, input.ScalableDimension) });
  const ops: Op[] = [
    del("scalable-target", key),
    ...policies.map((p) => del("scaling-policy", p.key)),
    ...scheduled.map((a) => del("scheduled-action", a.key)),
  ];
  await deps.store.commit(ops);
  return {};
}
