import type { ComponentRecord, CopyRecord } from "../../domain/resources.js";
import { stepRollout } from "../../rollout/decide.js";
import type { RolloutObservation } from "../../rollout/types.js";
import { isReadyCopy, type EndpointWorld } from "./world.js";

export interface RolloutChange {
  component: ComponentRecord;
  reason: string;
}

/** A new copy that cannot start: a terminal error, repeated crashes, or no health check passed in time. */
function newCopyFailure(world: EndpointWorld, copies: CopyRecord[]): string | undefined {
  for (const copy of copies) {
    const status = world.statuses.get(copy.id);
    if (!status || status.phase === "Ready") continue;
    const overdue = world.now - copy.createdAt > copy.spec.startupTimeoutSeconds * 1000 + copy.spec.downloadTimeoutSeconds * 1000;
    if (status.terminal || status.restarts >= 2 || overdue) return `copy ${copy.id}: ${status.lastError ?? "it did not pass GET /ping in time"}`;
  }
  return undefined;
}

/** Advances every running update one step and returns the components whose record changes. */
export function planRollouts(world: EndpointWorld): RolloutChange[] {
  const changes: RolloutChange[] = [];
  for (const component of world.components) {
    const rollout = component.rollout;
    if (!rollout || component.status === "Deleting") continue;
    const owned = world.copies.filter((c) => c.owner.type === "component" && c.owner.name === component.name && c.state === "Active");
    const fresh = owned.filter((c) => c.spec.version === rollout.to.version);
    const old = owned.filter((c) => c.spec.version === rollout.from.version);
    const observation: RolloutObservation = {
      desired: component.desiredCopyCount,
      newActive: fresh.length,
      newReady: fresh.filter((c) => isReadyCopy(world, c)).length,
      oldActive: old.length,
      oldReady: old.filter((c) => isReadyCopy(world, c)).length,
      oldHoldingSessions: world.copies.filter(
        (c) =>
          c.owner.type === "component" &&
          c.owner.name === component.name &&
          c.state === "Draining" &&
          c.sessionsDrainUntil !== undefined &&
          c.spec.version === rollout.from.version,
      ).length,
      newCopyFailure: newCopyFailure(world, fresh),
      alarmsFiring: rollout.policy.alarms.filter((name) => world.alarms.get(name) === "ALARM"),
      now: world.now,
    };
    const step = stepRollout(rollout, observation);
    const { outcome } = step;
    if (outcome.kind === "completed") {
      const next: ComponentRecord = { ...component, status: "InService", lastModifiedAt: world.now };
      delete next.rollout;
      delete next.previousSpecification;
      delete next.failureReason;
      changes.push({ component: next, reason: `update of ${component.name} completed: ${outcome.reason}` });
    } else if (outcome.kind === "rolled-back") {
      const next: ComponentRecord = {
        ...component,
        status: "InService",
        resolved: rollout.from,
        specification: component.previousSpecification ?? component.specification,
        lastUpdateFailure: `The update was rolled back: ${outcome.reason}`.slice(0, 1024),
        lastModifiedAt: world.now,
      };
      delete next.rollout;
      delete next.previousSpecification;
      changes.push({ component: next, reason: `update of ${component.name} rolled back: ${outcome.reason}` });
    } else if (JSON.stringify(step.state) !== JSON.stringify(rollout)) {
      changes.push({ component: { ...component, rollout: step.state }, reason: `update of ${component.name}: ${step.reason}` });
    }
  }
  return changes;
}
