import type { PlacedCopy, SchedulerInstance } from "../../scheduler/index.js";
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
  instanceSeconds = 0;
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
    const instance: SimInstance = { id: `${this.spec.name}/i-${order}`, order, createdAt: now, readyAt, copies: 0, idleSince: undefined };
    this.instances.push(instance);
    this.#scheduler = undefined;
    return instance;
  }

  terminate(id: string, now: number): void {
    const at = this.instances.findIndex((i) => i.id === id);
    if (at < 0 || this.instances[at].copies > 0) throw new Error(`simulator: cannot release instance ${id}: it is unknown or still holds copies`);
    this.#book(now);
    this.instances.splice(at, 1);
    this.#scheduler = undefined;
  }

  /** The scheduler's view: every instance, launching ones included, schedulable with all its devices. */
  schedulerInstances(): SchedulerInstance[] {
    this.#scheduler ??= this.instances.map((i) => ({
      id: i.id,
      capacity: this.spec.template.capacity,
      deviceIndices: this.spec.template.deviceIndices,
      deviceMemoryMiB: this.spec.template.deviceMemoryMiB,
      schedulable: true,
      order: i.order,
    }));
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
