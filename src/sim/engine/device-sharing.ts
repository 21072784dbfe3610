/**
 * Copies that hold shares of one accelerator share its compute. The model is processor sharing, as
 * time-slicing several CUDA processes on one GPU does (NVIDIA, "Multi-Process Service" overview: without
 * MPS, contexts of different processes are time-sliced): while j copies on a device each have a request in
 * service, each runs at 1/j of the device's speed. A copy's service time in the portfolio is its speed
 * alone on the device (a batch of up to `concurrency` requests counts as one busy copy, as the latency
 * profile already assumes).
 *
 * The factor is fixed when a request starts: 1 + the other copies on its device busy at that moment, for
 * the whole request. Under steady load on every copy this is exact processor sharing (each runs at 1/j);
 * when neighbours overlap only in part, the later request is charged the whole overlap and the earlier
 * one none of it. An idle neighbour costs nothing. Copies holding whole devices never share them.
 */
export class DeviceSharing {
  /** Per copy, the shared device it is on; -1: whole devices, or removed. */
  #deviceOf = new Int32Array(64).fill(-1);
  readonly #deviceIds = new Map<string, number>();
  readonly #members: number[][] = [];

  /** Copy k holds a share of device `device` on instance `instanceId`. */
  join(k: number, instanceId: string, device: number): void {
    if (k >= this.#deviceOf.length) {
      const grown = new Int32Array(Math.max(k + 1, this.#deviceOf.length * 2)).fill(-1);
      grown.set(this.#deviceOf);
      this.#deviceOf = grown;
    }
    const key = `${instanceId}/${device}`;
    let d = this.#deviceIds.get(key);
    if (d === undefined) {
      d = this.#members.length;
      this.#deviceIds.set(key, d);
      this.#members.push([]);
    }
    this.#deviceOf[k] = d;
    this.#members[d].push(k);
  }

  /** Copy k is removed (a no-op for a copy holding whole devices). */
  leave(k: number): void {
    const d = k < this.#deviceOf.length ? this.#deviceOf[k] : -1;
    if (d < 0) return;
    const list = this.#members[d];
    list.splice(list.indexOf(k), 1);
    this.#deviceOf[k] = -1;
  }

  /** How many times longer a request starting at `start` on copy k takes: 1 + its device's other copies busy then (busyEnd: each copy's last finish). */
  slowdown(k: number, start: number, busyEnd: Float64Array): number {
    const d = k < this.#deviceOf.length ? this.#deviceOf[k] : -1;
    if (d < 0) return 1;
    let busy = 1;
    for (const j of this.#members[d]) if (j !== k && busyEnd[j] > start) busy++;
    return busy;
  }
}
