import type { Resources } from "../domain/compute.js";
import { BestFitIndex } from "./best-fit.js";
import type { DeviceShare, SchedulerInstance } from "./types.js";

interface Holding {
  devices: readonly number[];
  resources: Resources;
  share?: DeviceShare;
}

/** Per device of one instance (parallel to its sorted device indices): memory, and what shares hold of it. */
interface DeviceLedger {
  memoryMiB: Int32Array;
  shareMiB: Int32Array;
  sharePercent: Int32Array;
  shareHolders: Int32Array;
}

/**
 * The mutable snapshot one placement works on: what each instance has free, and which device
 * indices are held. Instances keep the order given (oldest first), so an index doubles as age rank.
 */
export class Fleet {
  readonly instances: readonly SchedulerInstance[];
  /** Effective free resources; accelerators never exceed the free device indices. */
  readonly free: Resources[];
  readonly #used: Resources[];
  /** Per instance, how many copies hold each of its devices (parallel to #devices). */
  readonly #holders: Int32Array[];
  readonly #freeDevices: number[];
  readonly #devices: number[][];
  /** Built on first use: most placements have no shares, and the simulator places often. */
  readonly #ledgers: (DeviceLedger | undefined)[];
  readonly #byId = new Map<string, number>();
  #index: BestFitIndex | undefined;

  constructor(instances: readonly SchedulerInstance[]) {
    this.instances = instances;
    // Filled by push, not made by map(): map() gives a holey array once the optimizer has compiled the
    // caller and a packed one before, and every array kind new to the compiled code below deoptimizes it.
    this.#devices = [];
    this.#holders = [];
    this.#ledgers = [];
    this.#freeDevices = [];
    this.#used = [];
    this.free = [];
    for (let i = 0; i < instances.length; i++) {
      const devices = uniqueSorted(instances[i].deviceIndices);
      this.#devices.push(devices);
      this.#holders.push(new Int32Array(devices.length));
      this.#ledgers.push(undefined);
      this.#freeDevices.push(devices.length);
      this.#used.push({ accelerators: 0, cpuMillis: 0, memoryMiB: 0 });
      this.free.push({ accelerators: 0, cpuMillis: 0, memoryMiB: 0 });
      this.#byId.set(instances[i].id, i);
      this.#refresh(i);
    }
  }

  indexOf(instanceId: string): number {
    return this.#byId.get(instanceId) ?? -1;
  }

  schedulable(i: number): boolean {
    return this.instances[i].schedulable;
  }

  capacity(i: number): Resources {
    return this.instances[i].capacity;
  }

  hold(i: number, copy: Holding): void {
    this.#change(i, copy.devices, copy.resources, copy.share, 1);
  }

  release(i: number, copy: Holding): void {
    this.#change(i, copy.devices, copy.resources, copy.share, -1);
  }

  /**
   * Reserves `needs` on instance i and returns the device indices it took: the first of `preferred` whose
   * devices are all free and as many as needed (a parked engine's), else the lowest free ones.
   */
  allocate(i: number, needs: Resources, preferred?: readonly (readonly number[])[]): number[] {
    const holders = this.#holders[i];
    const all = this.#devices[i];
    const free = (device: number) => {
      const k = all.indexOf(device);
      return k >= 0 && holders[k] === 0;
    };
    const wanted = preferred?.find((set) => set.length === needs.accelerators && new Set(set).size === set.length && set.every(free));
    const devices: number[] = wanted ? [...wanted] : [];
    for (let k = 0; !wanted && k < all.length && devices.length < needs.accelerators; k++) {
      if (holders[k] === 0) devices.push(all[k]);
    }
    this.#change(i, devices, needs, undefined, 1);
    return devices;
  }

  /**
   * The device of instance i that `share` fills best: one no whole-device copy holds, with room for the
   * share's memory and compute, leaving the least memory free (so a partly used device fills before an
   * empty one), then the lowest index. Returns the device's position (see deviceFreeMiB), or -1.
   */
  bestDevice(i: number, share: DeviceShare): number {
    const { memoryMiB } = this.#ledger(i);
    let best = -1;
    let bestLeft = Infinity;
    for (let k = 0; k < memoryMiB.length; k++) {
      const left = this.deviceFreeMiB(i, k) - share.memoryMiB;
      if (left >= bestLeft || !this.#shareFits(i, k, share)) continue;
      best = k;
      bestLeft = left;
    }
    return best;
  }

  /** Whether instance i's k-th device has room for `share`'s memory and compute; false for k < 0. */
  #shareFits(i: number, k: number, share: DeviceShare): boolean {
    if (k < 0) return false;
    return this.deviceFreeMiB(i, k) >= share.memoryMiB && this.#ledger(i).sharePercent[k] + (share.computePercent ?? 0) <= 100;
  }

  /** Accelerator memory a share could still take on instance i's k-th device: 0 while a whole-device copy holds it. */
  deviceFreeMiB(i: number, k: number): number {
    const { memoryMiB, shareMiB, shareHolders } = this.#ledger(i);
    return this.#holders[i][k] > shareHolders[k] ? 0 : memoryMiB[k] - shareMiB[k];
  }

  /** Compute percent a share could still take on instance i's k-th device. */
  deviceFreePercent(i: number, k: number): number {
    return this.deviceFreeMiB(i, k) > 0 ? 100 - this.#ledger(i).sharePercent[k] : 0;
  }

  deviceCount(i: number): number {
    return this.#devices[i].length;
  }

  /**
   * Reserves `needs` and `share` on one device of instance i and returns its index: the first of `preferred`
   * (single devices) with room for the share, else the one bestDevice picks.
   */
  allocateShare(i: number, needs: Resources, share: DeviceShare, preferred?: readonly (readonly number[])[]): number[] {
    const fits = (set: readonly number[]) => set.length === 1 && this.#shareFits(i, this.#devices[i].indexOf(set[0]), share);
    const wanted = preferred?.find(fits);
    const k = wanted ? this.#devices[i].indexOf(wanted[0]) : this.bestDevice(i, share);
    if (k < 0) throw new Error(`Fleet.allocateShare: no device of ${this.instances[i].id} has room for the share`);
    const devices = [this.#devices[i][k]];
    this.#change(i, devices, needs, share, 1);
    return devices;
  }

  /** Starts answering best-fit queries; called once the copies that stay are held. */
  buildIndex(): void {
    const members: number[] = [];
    const capacities: Resources[] = [];
    for (let i = 0; i < this.instances.length; i++) {
      if (this.instances[i].schedulable) members.push(i);
      capacities.push(this.instances[i].capacity);
    }
    this.#index = new BestFitIndex(capacities, this.free, members);
  }

  /** The schedulable instance with the lowest leftover score for `needs`, or -1. */
  best(needs: Resources, skip?: (i: number) => boolean): number {
    if (this.#index === undefined) throw new Error("Fleet.best called before buildIndex");
    return this.#index.best(needs, skip);
  }

  #ledger(i: number): DeviceLedger {
    return (this.#ledgers[i] ??= ledger(this.instances[i], this.#devices[i]));
  }

  /** Takes a holding's fields, not the object: copies and fresh allocations differ in shape, and this runs hot. */
  #change(i: number, devices: readonly number[], resources: Resources, share: DeviceShare | undefined, sign: 1 | -1): void {
    const used = this.#used[i];
    used.accelerators += sign * resources.accelerators;
    used.cpuMillis += sign * resources.cpuMillis;
    used.memoryMiB += sign * resources.memoryMiB;
    const holders = this.#holders[i];
    for (const d of devices) {
      const k = this.#devices[i].indexOf(d);
      if (k < 0 || holders[k] + sign < 0) continue;
      const n = holders[k];
      holders[k] = n + sign;
      if (share) {
        const shares = this.#ledger(i);
        shares.shareHolders[k] += sign;
        shares.shareMiB[k] += sign * share.memoryMiB;
        shares.sharePercent[k] += sign * (share.computePercent ?? 0);
      }
      if (n === 0) this.#freeDevices[i]--;
      else if (n + sign === 0) this.#freeDevices[i]++;
    }
    this.#refresh(i);
    this.#index?.update(i);
  }

  #refresh(i: number): void {
    const cap = this.instances[i].capacity;
    const used = this.#used[i];
    const f = this.free[i];
    f.accelerators = Math.min(cap.accelerators - used.accelerators, this.#freeDevices[i]);
    f.cpuMillis = cap.cpuMillis - used.cpuMillis;
    f.memoryMiB = cap.memoryMiB - used.memoryMiB;
  }
}

function ledger(instance: SchedulerInstance, devices: readonly number[]): DeviceLedger {
  const memory = new Map(instance.deviceIndices.map((d, k) => [d, instance.deviceMemoryMiB?.[k] ?? 0]));
  const n = devices.length;
  return {
    memoryMiB: Int32Array.from(devices, (d) => memory.get(d) ?? 0),
    shareMiB: new Int32Array(n),
    sharePercent: new Int32Array(n),
    shareHolders: new Int32Array(n),
  };
}

function uniqueSorted(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) out.push(sorted[k]);
  return out;
}
