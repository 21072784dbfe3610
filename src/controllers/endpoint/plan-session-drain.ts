import type { CopyRecord } from "../../domain/resources.js";
import type { EndpointWorld } from "./world.js";

/** How long a copy being stopped keeps serving its open stateful sessions by default (config `sessionDrainSeconds`). */
export const defaultSessionDrainMs = 60_000;

export interface SessionDrainPlan {
  /** Copies this pass stops that hold open sessions: they keep running for those sessions until this time. */
  hold: Map<string, number>;
  /** Copies held for their sessions that stop now: their sessions ended, or the limit passed. */
  release: { id: string; reason: string }[];
  /** When a held copy must be looked at again: its limit, or when its last session expires. */
  wakeAt?: number;
}

/**
 * A copy being stopped (scale-in, update, move) that holds open stateful sessions drains them first: its
 * agent keeps it running and routers send it those sessions' requests only, until they close or expire,
 * or `limitMs` passes. Copies of a component or endpoint being deleted stop at once.
 */
export function planSessionDrain(world: EndpointWorld, stopping: readonly string[], forget: ReadonlySet<string>, limitMs: number): SessionDrainPlan {
  const plan: SessionDrainPlan = { hold: new Map(), release: [] };
  const open = (id: string) => world.openSessions?.get(id) ?? 0;
  const wake = (copy: Pick<CopyRecord, "id">, until: number) => {
    const at = Math.min(until, world.sessionsEndAt?.get(copy.id) ?? until);
    if (plan.wakeAt === undefined || at < plan.wakeAt) plan.wakeAt = at;
  };
  const byId = new Map(world.copies.map((c) => [c.id, c]));
  for (const id of stopping) {
    const copy = byId.get(id);
    if (limitMs <= 0 || !copy || copy.state !== "Active" || forget.has(id) || open(id) === 0 || deleting(world, copy)) continue;
    const until = world.now + limitMs;
    plan.hold.set(id, until);
    wake(copy, until);
  }
  for (const copy of world.copies) {
    if (copy.state !== "Draining" || copy.sessionsDrainUntil === undefined || forget.has(copy.id)) continue;
    const left = open(copy.id);
    if (left === 0) plan.release.push({ id: copy.id, reason: "its stateful sessions ended" });
    else if (deleting(world, copy)) plan.release.push({ id: copy.id, reason: "its endpoint or inference component is being deleted" });
    else if (world.now >= copy.sessionsDrainUntil)
      plan.release.push({ id: copy.id, reason: `the session drain limit passed with ${left} stateful session${left === 1 ? "" : "s"} open` });
    else wake(copy, copy.sessionsDrainUntil);
  }
  return plan;
}

function deleting(world: EndpointWorld, copy: CopyRecord): boolean {
  if (world.endpoint === undefined || world.endpoint.status === "Deleting") return true;
  if (copy.owner.type !== "component") return false;
  const name = copy.owner.name;
  const component = world.components.find((c) => c.name === name);
  return component === undefined || component.status === "Deleting";
}
