import type { ComponentRecord, ComponentStatus, CopyRecord, EndpointRecord } from "../../domain/resources.js";
import { isWaitingForInstance } from "../../domain/instance-pool.js";
import type { Unplaced } from "../../scheduler/types.js";
import { isStuckDrainReason, stuckDrainReason, type Drains } from "./plan-stuck-drains.js";
import { stuckUpdateReason, type StuckUpdate } from "./plan-stuck-update.js";
import { activeDeployments, hostsModels, isReadyCopy, variantOwnerKey, type EndpointWorld } from "./world.js";

export interface ComponentChange {
  name: string;
  status?: ComponentStatus;
  /** null clears the reason. */
  failureReason?: string | null;
  delete?: boolean;
}

export interface EndpointChange {
  record?: EndpointRecord;
  delete?: boolean;
}

export interface StatusPlan {
  components: ComponentChange[];
  endpoint: EndpointChange;
  /** When a timeout in these rules expires next, if any. */
  wakeAt?: number;
}

function copyTrouble(world: EndpointWorld, copies: CopyRecord[]): { text?: string; terminal: boolean } {
  for (const copy of copies) {
    const status = world.statuses.get(copy.id);
    if (status && status.phase !== "Ready" && status.lastError) {
      const restarts = status.restarts > 0 ? ` (restarted ${status.restarts} time${status.restarts === 1 ? "" : "s"})` : "";
      return { text: `Copy ${copy.id} on ${copy.instanceId}: ${status.lastError}${restarts}`, terminal: status.terminal === true };
    }
  }
  return { terminal: false };
}

/**
 * Status follows the copies: a component is InService once as many copies are ready as it wants, and
 * Failed when a copy can never start or none started within its startup health-check timeout.
 * `drains`: the draining instances whose copies can never move as things stand (stuckDrains); a capacity
 * change does not wait for them, and the endpoint's FailureReason says what lets them go. `stuckUpdate`: an
 * endpoint update whose new instances can never hold the copies (stuckUpdate): it is rolled back.
 */
export function planStatus(
  world: EndpointWorld,
  unplaced: Map<string, Unplaced>,
  adding: CopyRecord[] = [],
  drains: Drains = { stuck: [], undecided: false },
  stuckUpdate?: StuckUpdate,
): StatusPlan {
  const plan: StatusPlan = { components: [], endpoint: {} };
  const wake = (at: number) => {
    if (at > world.now && (plan.wakeAt === undefined || at < plan.wakeAt)) plan.wakeAt = at;
  };
  const owned = copiesByComponent(world);
  for (const component of world.components)
    plan.components.push(componentChange(world, component, owned.get(component.name.toLowerCase()) ?? [], unplaced, wake));
  plan.endpoint = withWaiting(world, withStuckDrains(world, endpointChange(world, wake, adding, drains, stuckUpdate), drains));
  return plan;
}

/** Each component's copies by its lower-cased name, read once per pass rather than once per component. */
function copiesByComponent(world: EndpointWorld): Map<string, CopyRecord[]> {
  const byName = new Map<string, CopyRecord[]>();
  for (const copy of world.copies) {
    if (copy.owner.type !== "component") continue;
    const name = copy.owner.name.toLowerCase();
    const list = byName.get(name);
    if (list) list.push(copy);
    else byName.set(name, [copy]);
  }
  return byName;
}

function componentChange(
  world: EndpointWorld,
  component: ComponentRecord,
  owned: CopyRecord[],
  unplaced: Map<string, Unplaced>,
  wake: (at: number) => void,
): ComponentChange {
  if (component.status === "Deleting") return owned.length === 0 ? { name: component.name, delete: true } : { name: component.name };
  if (component.resolved.baseComponentName) return adapterChange(world, component);
  const active = owned.filter((c) => c.state === "Active" && !owned.some((o) => o.replaces === c.id));
  const ready = active.filter((c) => isReadyCopy(world, c)).length;
  const settled = ready >= component.desiredCopyCount && active.length === component.desiredCopyCount;
  const short = unplaced.get(component.name);
  // Copies that wait for an instance the pool cannot give yet say so, rather than what the scheduler saw.
  const shortReason = short ? (waitingFor(world, component.variantName) ?? short.reason) : undefined;
  if (component.rollout) {
    // An update never stops old copies to make room: it waits for capacity and says so.
    if (short) return { name: component.name, failureReason: `The update is waiting for capacity for its next batch: ${shortReason}` };
    return { name: component.name, failureReason: component.failureReason ? null : undefined };
  }
  const trouble = copyTrouble(world, active);
  const reason = shortReason ?? trouble.text;
  if (settled) {
    const status = component.status === "InService" ? undefined : "InService";
    return { name: component.name, status, failureReason: component.failureReason ? null : undefined };
  }
  // A Failed component keeps the reason it failed with until a copy has a newer one (or it serves again):
  // a copy started again after the failure has no error yet, and Failed with no FailureReason tells nobody why.
  const stale = component.failureReason && component.status !== "Failed" ? null : undefined;
  const change: ComponentChange = { name: component.name, failureReason: reason ?? stale };
  if (component.status === "Creating" || component.status === "Updating") {
    const deadline = component.lastModifiedAt + component.resolved.startupTimeoutSeconds * 1000;
    if (trouble.terminal) {
      change.status = "Failed";
    } else if (!short && ready < component.desiredCopyCount && active.length > 0) {
      if (world.now >= deadline) {
        change.status = "Failed";
        change.failureReason = `No copy passed its /ping health check within ContainerStartupHealthCheckTimeoutInSeconds (${component.resolved.startupTimeoutSeconds} s)${trouble.text ? `. Last error: ${trouble.text}` : "."}`;
      } else wake(deadline);
    }
  }
  return change;
}

/**
 * Managed instance scaling that adds instances makes an InService endpoint Updating, as a capacity change
 * through UpdateEndpointWeightsAndCapacities does; releasing idle instances (which serve nothing) does not.
 */
export function scaledEndpoint(endpoint: EndpointRecord, variants: EndpointRecord["current"]["variants"], now: number): EndpointRecord {
  const adds = Object.entries(variants).some(([name, v]) => v.desiredInstanceCount > (endpoint.current.variants[name]?.desiredInstanceCount ?? 0));
  const status = adds && endpoint.status === "InService" ? "Updating" : endpoint.status;
  return { ...endpoint, status, current: { ...endpoint.current, variants }, lastModifiedAt: status === endpoint.status ? endpoint.lastModifiedAt : now };
}

function endpointChange(world: EndpointWorld, wake: (at: number) => void, adding: CopyRecord[], drains: Drains, stuckUpdate?: StuckUpdate): EndpointChange {
  const endpoint = world.endpoint;
  if (!endpoint) return {};
  if (endpoint.status === "Deleting") return world.copies.length === 0 && world.instances.length === 0 ? { delete: true } : {};
  const [current] = activeDeployments(world);
  const target = endpoint.pending ?? current!;
  const instancesReady = target.config.ProductionVariants.every((v) => {
    const want = target.variants[v.VariantName]?.desiredInstanceCount ?? 0;
    const live = world.instances.filter((i) => i.generation === target.generation && i.variantName === v.VariantName && i.state === "InService").length;
    return live >= want;
  });
  const modelCopies = hostsModels(target)
    ? target.config.ProductionVariants.map((v) => {
        const key = variantOwnerKey(v.VariantName, target.generation);
        const copies = world.copies.filter((c) => c.owner.type === "variant" && c.id.startsWith(key + "-") && c.state === "Active");
        return { want: target.variants[v.VariantName]?.desiredInstanceCount ?? 0, copies, ready: copies.filter((c) => isReadyCopy(world, c)).length };
      })
    : [];
  const copiesReady = modelCopies.every((m) => m.ready >= m.want);
  const movedOff =
    hostsModels(target) ||
    world.copies.every((c) => c.state === "Draining" || world.instances.find((i) => i.id === c.instanceId)?.generation === target.generation);
  const ready = instancesReady && copiesReady && movedOff;
  const trouble = copyTrouble(
    world,
    modelCopies.flatMap((m) => m.copies),
  );
  const deadline = target.startedAt + (target.variantSpecs ? Math.max(...Object.values(target.variantSpecs).map((s) => s.startupTimeoutSeconds)) : 0) * 1000;
  const failed = !ready && hostsModels(target) && (trouble.terminal || (world.now >= deadline && modelCopies.some((m) => m.copies.length > 0)));
  if (!ready && hostsModels(target) && !failed) wake(deadline);
  const now = world.now;
  if (endpoint.status === "Creating") {
    if (ready) return { record: { ...endpoint, status: "InService", failureReason: undefined, lastModifiedAt: now } };
    if (failed)
      return {
        record: {
          ...endpoint,
          status: "Failed",
          failureReason: trouble.text ?? "The model's container did not pass its /ping health check in time.",
          lastModifiedAt: now,
        },
      };
    return {};
  }
  if (endpoint.status === "Updating" && !endpoint.pending) {
    // A capacity change (UpdateEndpointWeightsAndCapacities, managed instance scaling adding instances) is
    // done once the capacity asked for serves.
    if (capacityServes(world, endpoint, adding, new Set(drains.stuck.map((s) => s.instance))))
      return { record: { ...endpoint, status: "InService", lastModifiedAt: now } };
    return {};
  }
  if (endpoint.status === "Updating" && endpoint.pending) {
    if (ready)
      return { record: { ...endpoint, status: "InService", failureReason: undefined, current: endpoint.pending, pending: undefined, lastModifiedAt: now } };
    if (failed) {
      const reason = `Update to endpoint configuration '${endpoint.pending.configName}' was rolled back: ${trouble.text ?? "its copies did not pass their /ping health check in time."}`;
      // The old configuration serves throughout; RollingBack lasts until the new one's instances are gone.
      return { record: { ...endpoint, status: "RollingBack", failureReason: reason, pending: undefined, lastModifiedAt: now } };
    }
    // Copies the new instances can never hold, with nothing left under way: roll back as a failed update does.
    if (stuckUpdate)
      return { record: { ...endpoint, status: "RollingBack", failureReason: stuckUpdateReason(stuckUpdate), pending: undefined, lastModifiedAt: now } };
  }
  if (endpoint.status === "RollingBack") {
    const generation = endpoint.current.generation;
    const leftOver =
      world.instances.some((i) => i.generation !== generation) || world.copies.some((c) => c.owner.type === "variant" && c.owner.generation !== generation);
    if (!leftOver) return { record: { ...endpoint, status: "InService", lastModifiedAt: now } };
  }
  return {};
}

/**
 * Each variant of the running configuration has exactly its desired instances in service (none still
 * launching, none left over or still draining, but for `stuck` ones, which can never drain as things stand),
 * a single-model variant has a ready copy on each, and every copy placed on an instance added since the
 * change began is ready (copies of a Failed component aside; `adding` are the copies this pass places).
 */
function capacityServes(world: EndpointWorld, endpoint: EndpointRecord, adding: CopyRecord[], stuck: ReadonlySet<string>): boolean {
  const deployment = endpoint.current;
  const models = hostsModels(deployment);
  for (const variant of deployment.config.ProductionVariants) {
    const want = deployment.variants[variant.VariantName]?.desiredInstanceCount ?? 0;
    const serving = world.instances.filter((i) => i.generation === deployment.generation && i.variantName === variant.VariantName && !stuck.has(i.id));
    if (serving.length !== want || serving.some((i) => i.state !== "InService")) return false;
    if (models) {
      const key = variantOwnerKey(variant.VariantName, deployment.generation);
      const ready = world.copies.filter((c) => c.owner.type === "variant" && c.id.startsWith(key + "-") && c.state === "Active" && isReadyCopy(world, c));
      if (serving.some((i) => !ready.some((c) => c.instanceId === i.id))) return false;
    }
  }
  const added = new Set(world.instances.filter((i) => i.state === "InService" && i.createdAt >= endpoint.lastModifiedAt).map((i) => i.id));
  const failed = new Set(world.components.filter((c) => c.status === "Failed").map((c) => c.name));
  // Copies placed in this very pass are not ready yet.
  if (adding.some((c) => added.has(c.instanceId))) return false;
  return world.copies.every(
    (c) => c.state !== "Active" || !added.has(c.instanceId) || (c.owner.type === "component" && failed.has(c.owner.name)) || isReadyCopy(world, c),
  );
}

/** An adapter is in service once every ready copy of its base has loaded it. */
function adapterChange(world: EndpointWorld, adapter: ComponentRecord): ComponentChange {
  const baseName = adapter.resolved.baseComponentName!;
  const base = world.components.find((c) => c.name.toLowerCase() === baseName.toLowerCase());
  const baseCopies = world.copies.filter((c) => c.owner.type === "component" && c.owner.name === base?.name && c.state === "Active" && isReadyCopy(world, c));
  const states = baseCopies.map((c) => world.statuses.get(c.id)?.adapters?.[adapter.name]);
  const problem = states.find((s) => s !== undefined && s !== "ready");
  if (problem)
    return { name: adapter.name, status: adapter.status === "Creating" ? "Failed" : undefined, failureReason: `Loading the adapter failed: ${problem}` };
  const ready = base?.status === "InService" && baseCopies.length > 0 && states.every((s) => s === "ready");
  if (ready)
    return { name: adapter.name, status: adapter.status === "InService" ? undefined : "InService", failureReason: adapter.failureReason ? null : undefined };
  return { name: adapter.name };
}

/**
 * While draining instances cannot let their copies go, an InService endpoint (or one Updating for a capacity
 * change) says so in its FailureReason, without changing its status; the message goes once they can (not
 * while something under way leaves it undecided, so it does not come and go with each copy placed).
 */
function withStuckDrains(world: EndpointWorld, change: EndpointChange, drains: Drains): EndpointChange {
  const endpoint = change.record ?? world.endpoint;
  if (!endpoint || change.delete || endpoint.pending || (endpoint.status !== "InService" && endpoint.status !== "Updating")) return change;
  const reason = stuckDrainReason(world, drains.stuck);
  if (reason === undefined && drains.undecided) return change;
  if (reason !== undefined && endpoint.failureReason !== reason) return { record: { ...endpoint, failureReason: reason } };
  if (reason === undefined && isStuckDrainReason(endpoint.failureReason)) return { record: { ...endpoint, failureReason: undefined } };
  return change;
}

/** The pool's message of a Pending instance that waits for a free host (of one variant, or of any). */
function waitingFor(world: EndpointWorld, variantName?: string): string | undefined {
  return world.instances.find((i) => i.state === "Pending" && i.waiting !== undefined && (variantName === undefined || i.variantName === variantName))?.waiting;
}

/**
 * While an instance waits for a free host the endpoint says so in its FailureReason, without changing
 * its status: it is waiting, not failed. The message goes once every instance has launched.
 */
function withWaiting(world: EndpointWorld, change: EndpointChange): EndpointChange {
  const endpoint = change.record ?? world.endpoint;
  if (!endpoint || change.delete || endpoint.status === "Deleting" || endpoint.status === "Failed") return change;
  const waiting = waitingFor(world);
  if (waiting !== undefined && endpoint.failureReason !== waiting) return { record: { ...endpoint, failureReason: waiting } };
  if (waiting === undefined && isWaitingForInstance(endpoint.failureReason)) return { record: { ...endpoint, failureReason: undefined } };
  return change;
}
