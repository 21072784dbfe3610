/** One engine kept parked on an instance after its copy stopped. */
interface Parked {
  model: number;
  /** The devices the engine was started on: a process cannot move to others, so only a copy placed there takes it over. */
  devices: readonly number[];
  sizeGB: number;
  parkedAt: number;
}

/**
 * The simulator's model of the server's parked engines (src/agent/parked-engines.ts, artifacts.parkedEnginesMb):
 * when a copy stops, its engine stays on the instance with its weights in host memory (an engine that frees
 * its device memory while parked, as vLLM's sleep mode level 1 does), and the next copy of the same model
 * placed on the same devices takes it over: no process start, only copying the weights back to the device.
 * Placement prefers those instances, and those devices on them (PlacementInput.parkedHolders, parkedDevices).
 * Per instance the parked engines' weights stay within budgetGB, the least recently parked stopped first.
 * A released instance takes its parked engines with it.
 */
export class ParkedEngines {
  readonly #budgetGB: number;
  readonly #byInstance = new Map<string, Parked[]>();
  #wakes = 0;
  #misses = 0;

  constructor(budgetGB: number) {
    this.#budgetGB = budgetGB;
  }

  /** A copy of model m stopped on the instance: its engine is parked there if the budget allows. */
  park(instanceId: string, model: number, devices: readonly number[], sizeGB: number, now: number): void {
    if (sizeGB > this.#budgetGB) return;
    let parked = this.#byInstance.get(instanceId);
    if (!parked) this.#byInstance.set(instanceId, (parked = []));
    parked.push({ model, devices: [...devices], sizeGB, parkedAt: now });
    let total = 0;
    for (const p of parked) total += p.sizeGB;
    while (total > this.#budgetGB) total -= parked.shift()!.sizeGB;
  }

  /** A copy of model m starts on the instance's devices: true when it takes over an engine parked there. */
  take(instanceId: string, model: number, devices: readonly number[]): boolean {
    const parked = this.#byInstance.get(instanceId);
    if (!parked) return false;
    // The most recently parked first, as the server's lot hands out.
    for (let i = parked.length - 1; i >= 0; i--) {
      if (parked[i].model !== model || !sameDevices(parked[i].devices, devices)) continue;
      parked.splice(i, 1);
      this.#wakes++;
      return true;
    }
    if (parked.some((p) => p.model === model)) this.#misses++;
    return false;
  }

  /** Instances keeping an engine of model m parked (what placement prefers). */
  holders(model: number): string[] {
    const out: string[] = [];
    for (const [id, parked] of this.#byInstance) if (parked.some((p) => p.model === model)) out.push(id);
    return out;
  }

  /** Per instance, the devices of each engine of model m parked there, the most recently parked first (the server's PlacementInput.parkedDevices). */
  devices(model: number): Record<string, (readonly number[])[]> {
    const out: Record<string, (readonly number[])[]> = {};
    for (const [id, parked] of this.#byInstance) {
      for (let i = parked.length - 1; i >= 0; i--) if (parked[i].model === model) (out[id] ??= []).push(parked[i].devices);
    }
    return out;
  }

  dropInstance(instanceId: string): void {
    this.#byInstance.delete(instanceId);
  }

  /** Copies that took a parked engine over, and those placed on an instance with one of their model parked on other devices. */
  get counts(): { wakes: number; otherDevices: number } {
    return { wakes: this.#wakes, otherDevices: this.#misses };
  }
}

function sameDevices(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
