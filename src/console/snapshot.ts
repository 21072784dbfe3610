import { nameKey } from "../domain/arn.js";
import type { ComponentRecord, CopyRecord } from "../domain/resources.js";
import { placementView, type PlacementViewInstance } from "../operations/placement-view.js";
import type { BerthStore } from "../state/records.js";
import type { ScalingActivityRecord } from "../autoscaling/records.js";
import type { ConsoleActivity, ConsoleComponent, ConsoleRollout, ConsoleSnapshot } from "./types.js";

/** Activities the snapshot carries; a component's chart reads its own from the store. */
const recentActivities = 50;

/** Everything the console draws, read from the store at one moment. */
export async function readSnapshot(store: BerthStore, now: number): Promise<ConsoleSnapshot> {
  const [endpoints, components, placement, activities] = await Promise.all([
    store.list("endpoint"),
    store.list("inference-component"),
    placementView(store),
    store.list("scaling-activity"),
  ]);
  const rolling = components.some((c) => c.value.rollout);
  const copies = rolling ? (await store.list("copy")).map((c) => c.value) : [];
  const ready = readyCopiesByOwner(placement.instances);
  return {
    at: now,
    endpoints: endpoints.map(({ value: e }) => ({ name: e.name, status: e.status, failureReason: e.failureReason, createdAt: e.createdAt })),
    components: components.map(({ value: c }) => consoleComponent(c, ready, copies)),
    instances: placement.instances,
    activities: activities
      .map((a) => consoleActivity(a.value))
      .sort((a, b) => b.startTime - a.startTime)
      .slice(0, recentActivities),
  };
}

export function consoleActivity(a: ScalingActivityRecord): ConsoleActivity {
  return {
    activityId: a.activityId,
    resourceId: a.resourceId,
    description: a.description,
    cause: a.cause,
    statusCode: a.statusCode,
    statusMessage: a.statusMessage,
    startTime: a.startTime,
    endTime: a.endTime,
  };
}

function readyCopiesByOwner(instances: PlacementViewInstance[]): Map<string, Set<string>> {
  const ready = new Map<string, Set<string>>();
  for (const instance of instances)
    for (const copy of instance.copies) {
      if (copy.ownerType !== "inference-component" || copy.state !== "Active" || copy.phase !== "Ready") continue;
      const key = nameKey(copy.owner);
      if (!ready.has(key)) ready.set(key, new Set());
      ready.get(key)!.add(copy.copyId);
    }
  return ready;
}

function consoleComponent(c: ComponentRecord, ready: Map<string, Set<string>>, copies: CopyRecord[]): ConsoleComponent {
  const mine = ready.get(nameKey(c.name)) ?? new Set<string>();
  return {
    name: c.name,
    endpointName: c.endpointName,
    variantName: c.variantName,
    status: c.status,
    failureReason: c.failureReason ?? c.lastUpdateFailure,
    desiredCopies: c.desiredCopyCount,
    currentCopies: mine.size,
    image: c.resolved.image,
    modelName: c.resolved.modelName,
    rollout: c.rollout && rolloutOf(c, mine, copies),
  };
}

function rolloutOf(c: ComponentRecord, ready: Set<string>, copies: CopyRecord[]): ConsoleRollout {
  const rollout = c.rollout!;
  const own = copies.filter((copy) => copy.owner.type === "component" && nameKey(copy.owner.name) === nameKey(c.name) && ready.has(copy.id));
  const readyNew = own.filter((copy) => copy.spec.version === rollout.to.version).length;
  return {
    kind: rollout.policy.kind,
    phase: rollout.phase,
    startedAt: rollout.startedAt,
    batchSize: rollout.policy.batchSize,
    targetNew: rollout.targetNew,
    targetOld: rollout.targetOld,
    readyNew,
    readyOld: own.length - readyNew,
    rollbackReason: rollout.rollbackReason,
  };
}
