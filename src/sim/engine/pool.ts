import type { PlacedCopy, SchedulerInstance } from "../../scheduler/index.js";
import type { PlacementBook } from "../../scheduler/book.js";
import { schedulerInstance } from "../../scheduler/scheduler-instance.js";
import type { EnginePool } from "./types.js";

export interface SimInstance {
  id: string;
  order: number;
  createdAt: number;
  /** When it accepts copies (launch complete); ≤ createdAt for instances running at time 0. */
  readyAt: number;
  copies: number;
  /** Since when it has been in service without a copy; undefined otherwise. */
  idleSince: number | undefined;
  /** Drained by consolidation: nothing new is placed there, its copies move away, then it is released. */
  draining: boolean;
}

/**
 * One pool of identical instances and the copies placed on them, as the scheduler sees it. Keeps the
 * instance-seconds integral: every change of the instance count first books the time since the last one.
 */
export class PoolState {
  readonly spec: EnginePool;
  readonly index: number;
  readonly instances: SimInstance[] = [];
  current: PlacedCopy[] = [];
  readonly copyIndex = new Map<string, number>();
  nextOrdinals: Record<string, number> = {};
  /** Copies wanted but not placed after the last placement. */
  unplaced = 0;
  /** A desired count changed since the last placement. */
  dirty = true;
  /** The models whose desired count changed since the last placement: the next one decides only these (and those still short). */
  readonly changed = new Set<number>();
  /** Components short of copies after the last placement, and how many they miss. */
  readonly short = new Map<string, number>();
  /** The scheduler's state after the last placement, reused while the instances stay the same. */
  book: PlacementBook | undefined;
  instanceSeconds = 0;
  /** When the endpoint last grew and its new instances served (the server's lastModifiedAt), seconds. */
  modifiedAt = 0;
  /** Counts placements that changed copies; consolidation is asked again only after one. */
  placements = 0;
  consolidationCheckedAt = -1;
  /** Instances draining now. */
  draining = 0;
  #lastChange = 0;
  #nextOrder = 1;
  #scheduler: SchedulerInstance[] | undefined;

  constructor(spec: EnginePool, index: number) {
    this.spec = spec;
    this.index = index;
  }

  get accelerators(): number {
    return this.spec.template.capacity.accelerators;
  }

  launch(now: number, readyAt: number): SimInstance {
    this.#book(now);
    const order = this.#nextOrder++;
    const instance: SimInstance = { id: `${this.spec.name}/i-${order}`, order, createdAt: now, readyAt, copies: 0, idleSince: undefined, draining: false };
    this.instances.push(instance);
    if (readyAt > this.modifiedAt) this.modifiedAt = readyAt;
    this.book = undefined;
    this.#scheduler = undefined;
    return instance;
  }

  terminate(id: string, now: number): void {
    const at = this.instances.findIndex((i) => i.id === id);
    if (at < 0 || this.instances[at].copies > 0) throw new Error(`simulator: cannot release instance ${id}: it is unknown or still holds copies`);
    this.#book(now);
    if (this.instances[at].draining) this.draining--;
    this.instances.splice(at, 1);
    this.#scheduler = undefined;
    this.book = undefined;
  }

  /** Marks an instance draining (consolidation): the scheduler moves its copies away. */
  drain(id: string): void {
    const instance = this.instance(id);
    if (!instance.draining) this.draining++;
    instance.draining = true;
    this.#scheduler = undefined;
    this.book = undefined;
  }

  /** The scheduler's view: every instance, launching ones included, with all its devices; draining ones not schedulable. */
  schedulerInstances(): SchedulerInstance[] {
    const { capacity, deviceIndices, deviceMemoryMiB, instanceType } = this.spec.template;
    this.#scheduler ??= this.instances.map((i) =>
      schedulerInstance({ id: i.id, capacity, deviceIndices, deviceMemoryMiB, instanceType, schedulable: !i.draining, order: i.order }),
    );
    return this.#scheduler;
  }

  instance(id: string): SimInstance {
    const found = this.instances.find((i) => i.id === id);
    if (!found) throw new Error(`simulator: the scheduler placed a copy on unknown instance ${id}`);
    return found;
  }

  /** Marks instances idle or busy after copies moved, and after launches complete. */
  refreshIdle(now: number): void {
    for (const i of this.instances) {
      const idle = i.copies === 0 && i.readyAt <= now;
      if (idle && i.idleSince === undefined) i.idleSince = now;
      else if (!idle) i.idleSince = undefined;
    }
  }

  /** Instance-seconds booked up to `now`, without booking. */
  instanceSecondsAt(now: number): number {
    return this.instanceSeconds + this.instances.length * (now - this.#lastChange);
  }

  finish(end: number): void {
    this.#book(end);
  }

  #book(now: number): void {
    this.instanceSeconds += this.instances.length * (now - this.#lastChange);
    this.#lastChange = now;
  }
}
