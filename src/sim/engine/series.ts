import type { PoolState } from "./pool.js";
import type { EngineModel, EngineSeries, EngineTiming, InstanceSnapshot, OccupancySnapshot } from "./types.js";

/** Samples for the charts every sampleS of virtual time, and the GPU map at the moment the most GPUs were held. */
export class SeriesRecorder {
  readonly stepS: number;
  busiest: OccupancySnapshot = { atS: 0, gpusHeld: -1, instances: [] };
  readonly #instances: number[] = [];
  readonly #gpus: number[] = [];
  readonly #instanceSeconds: number[] = [];
  readonly #copies: number[][];

  constructor(timing: EngineTiming, models: number) {
    this.stepS = timing.sampleS;
    this.#copies = Array.from({ length: models }, () => []);
  }

  record(_t: number, instances: number, gpusHeld: number, instanceSeconds: number, live: readonly (readonly number[])[]): void {
    this.#instances.push(instances);
    this.#instanceSeconds.push(instanceSeconds);
    this.#gpus.push(gpusHeld);
    for (let m = 0; m < live.length; m++) this.#copies[m].push(live[m].length);
  }

  snapshot(t: number, gpusHeld: number, pools: readonly PoolState[], models: readonly EngineModel[]): void {
    const byName = new Map(models.map((m, i) => [m.name, i]));
    const instances: InstanceSnapshot[] = [];
    for (const pool of pools) {
      const position = new Map(pool.spec.template.deviceIndices.map((d, i) => [d, i]));
      for (const instance of pool.instances) {
        const devices = new Int32Array(pool.accelerators).fill(-1);
        for (const copy of pool.current) {
          if (copy.instanceId !== instance.id) continue;
          const m = byName.get(copy.component)!;
          copy.devices.forEach((d, j) => (devices[position.get(d)!] = j < models[m].accelerators ? m : -2));
        }
        instances.push({ id: instance.id, pool: pool.spec.name, devices });
      }
    }
    this.busiest = { atS: t, gpusHeld, instances };
  }

  result(): EngineSeries {
    return {
      stepS: this.stepS,
      instances: Float64Array.from(this.#instances),
      gpusHeld: Float64Array.from(this.#gpus),
      instanceSeconds: Float64Array.from(this.#instanceSeconds),
      copies: this.#copies.map((c) => Float64Array.from(c)),
    };
  }
}
