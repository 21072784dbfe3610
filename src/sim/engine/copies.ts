/**
 * Every copy the run ever started, in parallel typed arrays. Per copy: its concurrency slots as a
 * min-heap of the times each slot frees up (a request starts at max(arrival, earliest free slot), so
 * one copy serves first come first served), and a min-heap of the finish times of the requests it
 * holds, which gives the router each copy's outstanding requests. Nothing is allocated per request.
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
  #slotsUsed = 0;
  #done: Float64Array[] = [];
  #doneSize = new Int32Array(64);

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
    this.#done.push(new Float64Array(8));
    this.#doneSize[k] = 0;
    return k;
  }

  /** When copy k can start one more request (its earliest free slot). */
  earliestSlot(k: number): number {
    return this.#slots[this.slotOffset[k]];
  }

  /** Requests held by copy k (queued or in service) that are not finished at time t. */
  outstanding(k: number, t: number): number {
    const heap = this.#done[k];
    let size = this.#doneSize[k];
    while (size > 0 && heap[0] <= t) {
      const last = heap[--size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && heap[r] < heap[l] ? r : l;
        if (heap[c] >= last) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    this.#doneSize[k] = size;
    return size;
  }

  /** Gives copy k a request that starts at `start` (≥ its earliest slot) and finishes at `done`. */
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

    let heap = this.#done[k];
    let size = this.#doneSize[k];
    if (size === heap.length) {
      const grown = new Float64Array(Math.max(8, size * 2));
      grown.set(heap);
      this.#done[k] = heap = grown;
    }
    let j = size++;
    while (j > 0) {
      const parent = (j - 1) >> 1;
      if (heap[parent] <= done) break;
      heap[j] = heap[parent];
      j = parent;
    }
    heap[j] = done;
    this.#doneSize[k] = size;
  }

  /** Frees a removed copy's request heap; its counters stay for the totals. */
  release(k: number, at: number): void {
    this.removedAt[k] = at;
    this.#done[k] = new Float64Array(0);
    this.#doneSize[k] = 0;
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
    this.#doneSize = grow(this.#doneSize);
  }
}
