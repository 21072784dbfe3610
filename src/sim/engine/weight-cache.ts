import type { WeightCacheSpec } from "./types.js";

export type WeightSource = "memory" | "disk" | "remote";

interface Entry {
  sizeGB: number;
  /** Copies of the model on the instance now: their weights are never evicted. */
  inUse: number;
  usedAt: number;
}

/**
 * The simulator's model of the server's per-host artifact cache (src/artifacts/cache.ts): per instance, the
 * models whose weights it holds, least recently used out first beyond the disk budget, never one in use.
 * Of those, the most recently used that fit the memory budget count as still in host memory. A new
 * instance holds nothing; a released one takes its cache with it.
 */
export class WeightCaches {
  readonly #spec: WeightCacheSpec;
  readonly #byInstance = new Map<string, Map<number, Entry>>();
  /** Per model, the instances holding its weights (what placement prefers). */
  readonly #holders = new Map<number, Set<string>>();

  constructor(spec: WeightCacheSpec) {
    this.#spec = spec;
  }

  /** Where a copy of model m placed on the instance now loads its weights from. */
  source(instanceId: string, m: number): WeightSource {
    const entries = this.#byInstance.get(instanceId);
    const entry = entries?.get(m);
    if (!entries || !entry) return "remote";
    let newer = 0;
    for (const [k, e] of entries) if (k !== m && recency(e) > recency(entry)) newer += e.sizeGB;
    return newer + entry.sizeGB <= this.#spec.memoryBudgetGB ? "memory" : "disk";
  }

  loadGBps(source: WeightSource, remoteGBps: number): number {
    return source === "memory" ? this.#spec.memoryGBps : source === "disk" ? this.#spec.diskGBps : remoteGBps;
  }

  /** A copy of model m starts on the instance. */
  use(instanceId: string, m: number, sizeGB: number, now: number): void {
    let entries = this.#byInstance.get(instanceId);
    if (!entries) this.#byInstance.set(instanceId, (entries = new Map()));
    const entry = entries.get(m) ?? { sizeGB, inUse: 0, usedAt: now };
    entry.inUse++;
    entry.usedAt = now;
    entries.set(m, entry);
    this.#holdersOf(m).add(instanceId);
    this.#trim(instanceId, entries);
  }

  /** A copy of model m stops on the instance; its weights stay while the disk budget allows. */
  release(instanceId: string, m: number, now: number): void {
    const entries = this.#byInstance.get(instanceId);
    const entry = entries?.get(m);
    if (!entries || !entry) return;
    entry.inUse = Math.max(0, entry.inUse - 1);
    entry.usedAt = now;
    this.#trim(instanceId, entries);
  }

  dropInstance(instanceId: string): void {
    for (const m of this.#byInstance.get(instanceId)?.keys() ?? []) this.#holders.get(m)?.delete(instanceId);
    this.#byInstance.delete(instanceId);
  }

  holders(m: number): readonly string[] {
    const set = this.#holders.get(m);
    return set ? [...set] : [];
  }

  #holdersOf(m: number): Set<string> {
    let set = this.#holders.get(m);
    if (!set) this.#holders.set(m, (set = new Set()));
    return set;
  }

  #trim(instanceId: string, entries: Map<number, Entry>): void {
    let total = 0;
    for (const e of entries.values()) total += e.sizeGB;
    if (total <= this.#spec.diskBudgetGB) return;
    const oldestFirst = [...entries].filter(([, e]) => e.inUse === 0).sort((a, b) => a[1].usedAt - b[1].usedAt || a[0] - b[0]);
    for (const [m, e] of oldestFirst) {
      if (total <= this.#spec.diskBudgetGB) break;
      entries.delete(m);
      this.#holders.get(m)?.delete(instanceId);
      total -= e.sizeGB;
    }
  }
}

function recency(e: Entry): number {
  return e.inUse > 0 ? Infinity : e.usedAt;
}
