import { addResources, subtractResources, zeroResources, type Resources } from "../../domain/compute.js";
import type { ComponentRecord, CopyOwner, CopyRecord, InstanceRecord, ResolvedSpec } from "../../domain/resources.js";
import { ordinalAfter } from "../../scheduler/ids.js";
import { place } from "../../scheduler/place.js";
import type { ComponentDemand, ParkedDevices, PlacedCopy, PlacementInput, SchedulerInstance, Unplaced } from "../../scheduler/types.js";
import {
  activeDeployments,
  componentKeyOf,
  currentVersions,
  hostsModels,
  isReadyCopy,
  variantOwnerKey,
  versionKey,
  type EndpointWorld,
  type HostHeldArtifacts,
} from "./world.js";
import { parkedEngineKey } from "../../domain/parked-engine-key.js";

export interface CopyPlan {
  add: CopyRecord[];
  drain: { id: string; reason: string }[];
  /** Per component key: why some of its copies could not be placed. */
  unplaced: Map<string, Unplaced>;
  /** New next-ordinals for components whose copies were added. */
  nextOrdinals: Map<string, number>;
}

export interface PoolOwner {
  owner: CopyOwner;
  spec: ResolvedSpec;
}

export interface Pool {
  variantName: string;
  instances: InstanceRecord[];
  schedulable: (instance: InstanceRecord) => boolean;
  demands: ComponentDemand[];
  owners: Map<string, PoolOwner>;
  /** Next copy ordinal per name prefix: a component's nextCopyOrdinal, or past a variant's existing copies. */
  nextOrdinals: Record<string, number>;
}

export interface PoolInput {
  pool: Pool;
  poolCopies: CopyRecord[];
  input: PlacementInput;
}

/** The scheduler's input for each pool of instances (a variant, or a variant's generation for single-model endpoints). */
export function poolInputs(world: EndpointWorld, drainingInstances: Set<string>): PoolInput[] {
  const versions = currentVersions(world);
  const otherCopyIds = world.copies.map((c) => c.id);
  return pools(world, drainingInstances).map((pool) => {
    const members = new Set(pool.instances.map((i) => i.id));
    const poolCopies = world.copies.filter((c) => members.has(c.instanceId));
    // Draining copies still hold their resources until their process is gone: they are capacity, not copies.
    const held = new Map<string, { resources: Resources; devices: Set<number> }>();
    for (const copy of poolCopies) {
      if (copy.state !== "Draining") continue;
      const h = held.get(copy.instanceId) ?? { resources: zeroResources, devices: new Set<number>() };
      h.resources = addResources(h.resources, copy.resources);
      for (const d of copy.devices) h.devices.add(d);
      held.set(copy.instanceId, h);
    }
    const current: PlacedCopy[] = poolCopies
      .filter((c) => c.state === "Active")
      .map((c) => ({
        id: c.id,
        component: componentKeyOf(c, versions),
        instanceId: c.instanceId,
        devices: c.devices,
        resources: c.resources,
        ...(c.share ? { share: c.share } : {}),
        ready: isReadyCopy(world, c),
        ...(world.openSessions?.has(c.id) ? { openSessions: world.openSessions.get(c.id) } : {}),
        replaces: c.replaces,
      }));
    const instances: SchedulerInstance[] = pool.instances.map((i, order) => {
      const h = held.get(i.id);
      // A draining copy's devices stay out until it is gone, shared ones included.
      const devices = i.devices.filter((d) => !h?.devices.has(d.index));
      return {
        id: i.id,
        capacity: h ? subtractResources(i.capacity, h.resources) : i.capacity,
        deviceIndices: devices.map((d) => d.index),
        deviceMemoryMiB: devices.map((d) => d.memoryMiB),
        instanceType: i.instanceType,
        schedulable: pool.schedulable(i) && !drainingInstances.has(i.id),
        order,
      };
    });
    const demands = pool.demands.map((d) => ({ ...d, artifact: pool.owners.get(d.component)?.spec.artifactUrl }));
    const holders = holdersOf(world, pool.instances, (held) => held.urls);
    const memoryHolders = holdersOf(world, pool.instances, (held) => held.memoryUrls ?? []);
    const parkedByKey = holdersOf(world, pool.instances, (held) => held.parked ?? []);
    const parkedHolders: Record<string, string[]> = {};
    const parkedDevices: Record<string, ParkedDevices[string]> = {};
    for (const [component, owner] of pool.owners) {
      const key = parkedEngineKey(world.endpoint!.name, owner.owner, owner.spec);
      const holding = parkedByKey[key];
      if (!holding) continue;
      parkedHolders[component] = holding;
      const devices = parkedDevicesOf(world, pool.instances, key);
      if (devices) parkedDevices[component] = devices;
    }
    return {
      pool,
      poolCopies,
      input: { instances, demands, current, nextOrdinals: pool.nextOrdinals, otherCopyIds, holders, memoryHolders, parkedHolders, parkedDevices },
    };
  });
}

/** Per artifact URL, the pool's instances whose host holds it (in the tier `urlsOf` reads). */
function holdersOf(
  world: EndpointWorld,
  instances: readonly InstanceRecord[],
  urlsOf: (held: HostHeldArtifacts) => readonly string[],
): Record<string, string[]> {
  const holders: Record<string, string[]> = {};
  for (const instance of instances) {
    const held = world.hostArtifacts?.get(instance.host);
    if (held) for (const url of urlsOf(held)) (holders[url] ??= []).push(instance.id);
  }
  return holders;
}

/** Per instance of the pool, the devices of each engine parked there under `key`; undefined when no host says. */
function parkedDevicesOf(world: EndpointWorld, instances: readonly InstanceRecord[], key: string): ParkedDevices[string] | undefined {
  let out: Record<string, ParkedDevices[string][string]> | undefined;
  for (const instance of instances) {
    const devices = world.hostArtifacts?.get(instance.host)?.parkedDevices?.[key];
    if (devices && devices.length > 0) (out ??= {})[instance.id] = devices;
  }
  return out;
}

/** Instances that a pass drains are off limits for new copies at once, not one pass later. */
export function planCopies(world: EndpointWorld, drainingInstances: Set<string>): CopyPlan {
  const plan: CopyPlan = { add: [], drain: [], unplaced: new Map(), nextOrdinals: new Map() };
  for (const { pool, poolCopies, input } of poolInputs(world, drainingInstances)) {
    const decision = place(input);
    // The scheduler may hand resources it frees to new copies at once; here removed copies keep them
    // until they have stopped, so additions wait for the next pass whenever this one removes copies.
    if (decision.remove.length > 0) decision.add = [];
    for (const added of decision.add) {
      const owner = pool.owners.get(added.component)!;
      if (owner.owner.type === "component") plan.nextOrdinals.set(owner.owner.name, decision.nextOrdinals[owner.owner.name]);
      plan.add.push({
        id: added.id,
        owner: owner.owner,
        endpointName: world.endpoint!.name,
        variantName: pool.instances.find((i) => i.id === added.instanceId)!.variantName,
        instanceId: added.instanceId,
        devices: added.devices,
        resources: added.resources,
        ...(added.share ? { share: added.share } : {}),
        spec: owner.spec,
        state: "Active",
        createdAt: world.now,
        replaces: added.replaces,
      });
    }
    for (const removed of decision.remove) {
      const copy = poolCopies.find((c) => c.id === removed.copy.id);
      if (copy && copy.state === "Active") plan.drain.push({ id: copy.id, reason: removed.reason });
    }
    for (const unplaced of decision.unplaced) {
      const owner = pool.owners.get(unplaced.component)?.owner;
      const name = owner?.type === "component" ? owner.name : unplaced.component;
      const known = plan.unplaced.get(name);
      plan.unplaced.set(name, known ? { ...known, missing: known.missing + unplaced.missing } : { ...unplaced, component: name });
    }
  }
  return plan;
}

function pools(world: EndpointWorld, drainingInstances: Set<string>): Pool[] {
  const endpoint = world.endpoint;
  const deployments = activeDeployments(world);
  const modelHosting = endpoint ? hostsModels(endpoint.current) : false;
  const result: Pool[] = [];
  if (modelHosting) {
    const generations = new Set([...world.instances.map((i) => i.generation), ...deployments.map((d) => d.generation)]);
    for (const generation of generations) {
      const deployment = deployments.find((d) => d.generation === generation);
      const variantNames = new Set(world.instances.filter((i) => i.generation === generation).map((i) => i.variantName));
      for (const variantName of variantNames) {
        const key = variantOwnerKey(variantName, generation);
        const spec = deployment?.variantSpecs?.[variantName];
        const wanted = deployment && spec ? (deployment.variants[variantName]?.desiredInstanceCount ?? 0) : 0;
        const existing = world.copies
          .filter((c) => c.owner.type === "variant" && c.owner.generation === generation && c.owner.variant === variantName)
          .map((c) => c.id);
        result.push({
          variantName,
          instances: world.instances.filter((i) => i.generation === generation && i.variantName === variantName),
          schedulable: (i) => i.state === "InService",
          demands: spec ? [{ component: key, copies: wanted, needs: spec.needs, strategy: "SPREAD" }] : [],
          owners: spec ? new Map([[key, { owner: { type: "variant", variant: variantName, generation }, spec }]]) : new Map(),
          nextOrdinals: { [key]: ordinalAfter(key, existing) },
        });
      }
    }
    return result;
  }
  const variantNames = new Set([...world.instances.map((i) => i.variantName), ...world.components.map((c) => c.variantName)]);
  const target = endpoint?.pending ?? endpoint?.current;
  for (const variantName of variantNames) {
    const components = deployments.length > 0 ? world.components.filter((c) => c.variantName === variantName) : [];
    const targetGeneration = target && target.config.ProductionVariants.some((v) => v.VariantName === variantName) ? target.generation : -1;
    result.push({
      variantName,
      instances: world.instances.filter((i) => i.variantName === variantName),
      schedulable: (i) => i.state === "InService" && i.generation === targetGeneration && !drainingInstances.has(i.id),
      demands: components.flatMap((c) => componentDemands(c)),
      owners: new Map(components.flatMap((c) => componentOwners(c))),
      nextOrdinals: Object.fromEntries(components.map((c) => [c.name, c.nextCopyOrdinal])),
    });
  }
  return result;
}

/**
 * During an update a component wants copies of two versions: the new one (its name) and the old one.
 * Copies of either are named <component>-<n>, n counting up across the component's life.
 */
function componentDemands(component: ComponentRecord): ComponentDemand[] {
  const rollout = component.rollout;
  const namePrefix = component.name;
  const current = {
    component: component.name,
    needs: component.resolved.needs,
    share: component.resolved.share,
    strategy: component.resolved.strategy,
    namePrefix,
  };
  if (component.status === "Deleting") return [{ ...current, copies: 0 }];
  if (!rollout) return [{ ...current, copies: component.desiredCopyCount }];
  return [
    { ...current, copies: rollout.targetNew },
    {
      component: versionKey(component.name, rollout.from.version),
      copies: rollout.targetOld,
      needs: rollout.from.needs,
      share: rollout.from.share,
      strategy: rollout.from.strategy,
      namePrefix,
    },
  ];
}

function componentOwners(component: ComponentRecord): [string, PoolOwner][] {
  const owner: CopyOwner = { type: "component", name: component.name };
  const owners: [string, PoolOwner][] = [[component.name, { owner, spec: component.resolved }]];
  if (component.rollout) owners.push([versionKey(component.name, component.rollout.from.version), { owner, spec: component.rollout.from }]);
  return owners;
}
