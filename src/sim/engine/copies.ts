/**
 * Every copy the run ever started, in parallel typed arrays. Per copy: its concurrency slots as a
 * min-heap of the times each slot frees up (a request starts at max(arrival, earliest free slot), so
 * one copy serves first come first served), and how many requests it holds with the earliest of
 * their finish times, which give the router each copy's outstanding requests: a copy none of whose
 * requests finished since its last count answers from these two numbers. Nothing is allocated per
 * request.
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
  /** Requests the copy holds as of its last count, and the earliest of their finish times (Infinity: none). */
  held = new Int32Array(64);
  nextDone = new Float64Array(64);
  #slots = new Float64Array(1024);
  #slotsUsed = 0;

  add(model: number, readyAt: number, concurrency: number): number {
    if (this.size === this.model.length) this.#grow();
    const k = this.size++;
    this.model[k] = model;
    this.readyAt[k] = readyAt;
    this.removedAt[k] = Infinity;
    this.busyEnd[k] = 0;
    this.busySeconds[k] = 0;
    this.held[k] = 0;
    this.nextDone[k] = Infinity;
    if (this.#slotsUsed + concurrency > this.#slots.length) {
      const grown = new Float64Array(Math.max(this.#slots.length * 2, this.#slotsUsed + concurrency));
      grown.set(this.#slots);
      this.#slots = grown;
    }
    this.slotOffset[k] = this.#slotsUsed;
    this.slotCount[k] = concurrency;
    this.#slots.fill(readyAt, this.#slotsUsed, this.#slotsUsed + concurrency);
    this.#slotsUsed += concurrency;
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
    this.held[k]++;
    if (done < this.nextDone[k]) this.nextDone[k] = done;
  }

  /** The requests copy k still holds at time t (the router's outstanding count). */
  outstandingAt(k: number, t: number): number {
    return t < this.nextDone[k] ? this.held[k] : this.#dropFinished(k, t);
  }

  /**
   * Counts again once one of copy k's requests finished. A request is given to a copy only once it has
   * started (at or before the engine's clock, which only moves forward), so a slot's earlier requests
   * all finished before its last one started: the requests held at t are the slots busy past t.
   */
  #dropFinished(k: number, t: number): number {
    const slots = this.#slots;
    let held = 0;
    let next = Infinity;
    for (let i = this.slotOffset[k], end = i + this.slotCount[k]; i < end; i++) {
      const free = slots[i];
      if (free > t) {
        held++;
        if (free < next) next = free;
      }
    }
    this.held[k] = held;
    this.nextDone[k] = next;
    return held;
  }

  release(k: number, at: number): void {
    this.removedAt[k] = at;
    this.held[k] = 0;
    this.nextDone[k] = Infinity;
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
    this.held = grow(this.held);
    this.nextDone = grow(this.nextDone);
  }
}
