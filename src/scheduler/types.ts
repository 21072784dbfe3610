import type { DeviceShare, Resources } from "../domain/compute.js";

export type { DeviceShare };
import type { Shortfall } from "../domain/fit.js";

/**
 * The scheduler's view of the world: plain data in, plain data out. It imports no node:* module, no
 * store and no clock, so the server, the tests and the simulator call the very same functions.
 */

export type PlacementStrategy = "SPREAD" | "BINPACK";

export interface SchedulerInstance {
  id: string;
  /** Schedulable totals of the instance (after headroom). */
  capacity: Resources;
  /** The accelerator device indices of the instance; its length equals capacity.accelerators. */
  deviceIndices: number[];
  /** Accelerator memory of each device, parallel to deviceIndices; missing means no device can take a share. */
  deviceMemoryMiB?: readonly number[];
  /** The instance type, named in the reasons of copies that do not fit. */
  instanceType?: string;
  /** False while the instance drains: its copies stay where they are, nothing new is placed there, and its copies are moved away. */
  schedulable: boolean;
  /** Creation order; lower is older. Breaks ties so that results are deterministic. */
  order: number;
}

export interface ComponentDemand {
  /** The owner's key: an inference component name, or "endpoint/variant" for a single-model variant. */
  component: string;
  /** Desired number of active copies. */
  copies: number;
  /** Per-copy needs. With a share, needs.accelerators is 0: the share stands for the device. */
  needs: Resources;
  share?: DeviceShare;
  strategy: PlacementStrategy;
  /**
   * New copies are named `${namePrefix}-${ordinal}` (src/scheduler/ids.ts); demands with one prefix,
   * such as the two versions of a component during an update, count ordinals together. Missing means `component`.
   */
  namePrefix?: string;
  /** What a copy loads (an artifact URL): instances listed in PlacementInput.holders for it are preferred. */
  artifact?: string;
}

export interface PlacedCopy {
  id: string;
  component: string;
  instanceId: string;
  /** Accelerator device indices held by this copy (length = needs.accelerators, or the one device of its share). */
  devices: number[];
  resources: Resources;
  share?: DeviceShare;
  /** Whether the copy is serving; not-ready copies are the first removed on scale-in. */
  ready: boolean;
  /** Set when this copy was started to take over from another one (a move). */
  replaces?: string;
  /** Stateful sessions open on the copy (observed): scale-in stops ready copies without any first, as a stop ends them. */
  openSessions?: number;
}

export interface PlacementInput {
  instances: SchedulerInstance[];
  demands: ComponentDemand[];
  /** Every copy that currently holds resources, including those of components no longer in demands. */
  current: PlacedCopy[];
  /** Next free ordinal per name prefix (see ComponentDemand.namePrefix). Missing means 1. */
  nextOrdinals: Record<string, number>;
  /** Ids of copies that still exist outside `current` (draining ones, say): new copies never take them. */
  otherCopyIds?: readonly string[];
  /** Per artifact, the instances whose host already holds it (observed); see prefer-holders.ts. */
  holders?: Readonly<Record<string, readonly string[]>>;
  /** Per artifact, those holders that hold it in host memory: preferred over holders with it on disk only. */
  memoryHolders?: Readonly<Record<string, readonly string[]>>;
  /** Per component (ComponentDemand.component), the instances whose host keeps an engine of it parked: preferred over any artifact holder. */
  parkedHolders?: Readonly<Record<string, readonly string[]>>;
  /**
   * Per component, then per instance id, the device indices each parked engine of it was started on (a process
   * cannot move to other devices): a copy placed on that instance takes those devices when they are free.
   */
  parkedDevices?: ParkedDevices;
}

/** Component → instance id → the device indices of each engine of the component parked there. */
export type ParkedDevices = Readonly<Record<string, Readonly<Record<string, readonly (readonly number[])[]>>>>;

export interface AddedCopy extends PlacedCopy {
  reason: string;
}

export interface RemovedCopy {
  copy: PlacedCopy;
  reason: string;
}

export interface Unplaced {
  component: string;
  /** Copies wanted but not placed. */
  missing: number;
  /**
   * Why no instance could take one more copy; empty when there are no schedulable instances. `available`
   * is the most of the resource free on any schedulable instance after placement; when every resource
   * fits somewhere but never all on one instance, these are the closest instance's shortfalls and
   * `available` is what it has free.
   */
  shortfalls: Shortfall[];
  reason: string;
}

export interface PlacementDecision {
  /** Copies left exactly where they are. */
  keep: PlacedCopy[];
  add: AddedCopy[];
  remove: RemovedCopy[];
  unplaced: Unplaced[];
  nextOrdinals: Record<string, number>;
}
