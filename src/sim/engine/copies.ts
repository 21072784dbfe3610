/**
 * Every copy the run ever started, in parallel typed arrays. Per copy: its concurrency slots as a
 * min-heap of the times each slot frees up (a request starts at max(arrival, earliest free slot), so
 * one copy serves first come first served), and the count of requests it holds. Nothing is allocated
 * per request.
 */
export class CopyTable {
  size = 0;
  model = new Int32Array(64);
  readyAt = new Float64Array(64);
  /** Infinity while the copy is placed. */
  removedAt = new Float64Array(64);
  /** The end of the last request in service, and the accumulated time with at least one in service. */
  busyEnd = new Float64Array(64);
  busySeconds = new Float64Array(64);
  slotOffset = new Int32Array(64);
  slotCount = new Int32Array(64);
  #slots = new Float64Array(1024);
  /** Requests the copy holds (queued or in service) that the owner's FinishQueue has not yet seen finish. */
  outstanding = new Int32Array(64);
  #slotsUsed = 0;

  add(model: number, readyAt: number, concurrency: number): number {
    if (this.size === this.model.length) this.#grow();
    const k = this.size++;
    this.model[k] = model;
    this.readyAt[k] = readyAt;
    this.removedAt[k] = Infinity;
    this.busyEnd[k] = 0;
    this.busySeconds[k] = 0;
    if (this.#slotsUsed + concurrency > this.#slots.length) {
      const grown = new Float64Array(Math.max(this.#slots.length * 2, this.#slotsUsed + concurrency));
      grown.set(this.#slots);
      this.#slots = grown;
    }
    this.slotOffset[k] = this.#slotsUsed;
    this.slotCount[k] = concurrency;
    this.#slots.fill(readyAt, this.#slotsUsed, this.#slotsUsed + concurrency);
    this.#slotsUsed += concurrency;
    this.outstanding[k] = 0;
    return k;
  }

  /** When copy k can start one more request (its earliest free slot). */
  earliestSlot(k: number): number {
    return this.#slots[this.slotOffset[k]];
  }

  /** Gives copy k a request that finishes at `done`; it starts at the copy's earliest free slot or later. */
  assign(k: number, done: number): void {
    const slots = this.#slots;
    const base = this.slotOffset[k];
    const n = this.slotCount[k];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && slots[base + r] < slots[base + l] ? r : l;
      if (slots[base + c] >= done) break;
      slots[base + i] = slots[base + c];
      i = c;
    }
    slots[base + i] = done;
    this.outstanding[k]++;
  }

  release(k: number, at: number): void {
    this.removedAt[k] = at;
  }

  #grow(): void {
    const n = this.model.length * 2;
    const grow = <T extends Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.model = grow(this.model);
    this.readyAt = grow(this.readyAt);
    this.removedAt = grow(this.removedAt);
    this.busyEnd = grow(this.busyEnd);
    this.busySeconds = grow(this.busySeconds);
    this.slotOffset = grow(this.slotOffset);
    this.slotCount = grow(this.slotCount);
    this.outstanding = grow(this.outstanding);
  }
}

/**
 * One model's requests in flight as a min-heap of (finish time, copy): popping those finished by time
 * t keeps every copy's outstanding count exact for the router, at O(log n) per request.
 */
export class FinishQueue {
  #times = new Float64Array(64);
  #copies = new Int32Array(64);
  #size = 0;

  push(done: number, copy: number): void {
    if (this.#size === this.#times.length) {
      const times = new Float64Array(this.#size * 2);
      times.set(this.#times);
      this.#times = times;
      const copies = new Int32Array(this.#size * 2);
      copies.set(this.#copies);
      this.#copies = copies;
    }
    const times = this.#times;
    const copies = this.#copies;
    let j = this.#size++;
    while (j > 0) {
      const parent = (j - 1) >> 1;
      if (times[parent] <= done) break;
      times[j] = times[parent];
      copies[j] = copies[parent];
      j = parent;
    }
    times[j] = done;
    copies[j] = copy;
  }

  /** Pops every request finished by t, decrementing its copy's count in `outstanding`. */
  drain(t: number, outstanding: Int32Array): void {
    const times = this.#times;
    const copies = this.#copies;
    let size = this.#size;
    while (size > 0 && times[0] <= t) {
      outstanding[copies[0]]--;
      const lastTime = times[--size];
      const lastCopy = copies[size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && times[r] < times[l] ? r : l;
        if (times[c] >= lastTime) break;
        times[i] = times[c];
        copies[i] = copies[c];
        i = c;
      }
      times[i] = lastTime;
      copies[i] = lastCopy;
    }
    this.#size = size;
  }
}
