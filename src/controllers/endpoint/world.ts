import type { AlarmState } from "../../alarms/types.js";
import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointDeployment, EndpointRecord, InstanceRecord } from "../../domain/resources.js";

/** One endpoint and everything under it, as read at one moment: the input of every decision here. */
export interface EndpointWorld {
  endpointName: string;
  endpoint?: EndpointRecord;
  components: ComponentRecord[];
  instances: InstanceRecord[];
  copies: CopyRecord[];
  statuses: Map<string, CopyStatusRecord>;
  /** Open stateful sessions per copy id: scale-in stops copies without any first. */
  openSessions?: ReadonlyMap<string, number>;
  /** Per copy id with open sessions, when the last of them expires: a copy draining its sessions stops then at the latest. */
  sessionsEndAt?: ReadonlyMap<string, number>;
  /** States of the alarms that running rollouts watch. */
  alarms: Map<string, AlarmState>;
  /**
   * Hosts whose agent holds a live lease (cluster mode). Undefined where every host is live: on one
   * machine (SQLite mode) the only host is this process's own.
   */
  liveHosts?: ReadonlySet<string>;
  /** Per host, the artifact URLs its cache holds (on disk, and those also in host memory), as its agent last reported; placement prefers holders. */
  hostArtifacts?: ReadonlyMap<string, HostHeldArtifacts>;
  now: number;
}

/** What one host's artifact cache holds: URLs on disk, and those of them also in host memory. */
export interface HostHeldArtifacts {
  urls: readonly string[];
  memoryUrls?: readonly string[];
  /** Parked engines' keys (src/domain/parked-engine-key.ts). */
  parked?: readonly string[];
  /** Per parked key, the device indices of each engine parked under it. */
  parkedDevices?: Readonly<Record<string, readonly (readonly number[])[]>>;
}

/** An instance that was launched on a host whose lease is gone: the host died or was cut off. */
export function onLostHost(world: EndpointWorld, instance: InstanceRecord): boolean {
  return world.liveHosts !== undefined && instance.state !== "Pending" && !world.liveHosts.has(instance.host);
}

export function activeDeployments(world: EndpointWorld): EndpointDeployment[] {
  const endpoint = world.endpoint;
  if (!endpoint || endpoint.status === "Deleting") return [];
  return endpoint.pending ? [endpoint.current, endpoint.pending] : [endpoint.current];
}

export function hostsModels(deployment: EndpointDeployment): boolean {
  return deployment.config.ProductionVariants.some((v) => v.ModelName !== undefined);
}

export function isReadyCopy(world: EndpointWorld, copy: CopyRecord): boolean {
  return world.statuses.get(copy.id)?.phase === "Ready";
}

/**
 * The scheduler's owner key of a copy: copies of a component's current specification go by its name;
 * copies of another specification version (the old side of an update) by name and version.
 */
export function componentKeyOf(copy: CopyRecord, currentVersions: Map<string, number>): string {
  if (copy.owner.type === "variant") return variantOwnerKey(copy.owner.variant, copy.owner.generation);
  const current = currentVersions.get(copy.owner.name);
  return current === undefined || copy.spec.version === current ? copy.owner.name : versionKey(copy.owner.name, copy.spec.version);
}

export function versionKey(component: string, version: number): string {
  return `${component}.v${version}`;
}

export function currentVersions(world: EndpointWorld): Map<string, number> {
  return new Map(world.components.map((c) => [c.name, c.resolved.version]));
}

/** Copies of a single-model variant are named after the variant and the configuration generation they run. */
export function variantOwnerKey(variant: string, generation: number): string {
  return `${variant}-g${generation}`;
}
