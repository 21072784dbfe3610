/**
 * Every copy the run ever started, in parallel typed arrays. Per copy: its concurrency slots as a
 * min-heap of the times each slot frees up (a request starts at max(arrival, earliest free slot), so
 * one copy serves first come first served), and the finish times of the requests it holds, which
 * give the router each copy's outstanding requests. Nothing is allocated per request.
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
  /** Per copy, the finish times of the requests it holds (the router's outstanding count). */
  readonly finishes: FinishTimes[] = [];
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
    this.finishes.push(new FinishTimes());
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
    this.finishes[k].insert(done);
  }

  release(k: number, at: number): void {
    this.removedAt[k] = at;
    this.finishes[k] = new FinishTimes();
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
  }
}

/**
 * The finish times of the requests one copy holds, kept sorted in a sliding window of a typed array.
 * A copy serves first come first served, so a new finish time is nearly always the latest (equal
 * service times: always) and goes in at the end; popping the finished ones from the front is O(1).
 */
export class FinishTimes {
  #times = new Float64Array(16);
  #head = 0;
  #tail = 0;

  get size(): number {
    return this.#tail - this.#head;
  }

  /** Drops the requests finished by t and returns how many are left. */
  outstandingAt(t: number): number {
    const times = this.#times;
    let head = this.#head;
    const tail = this.#tail;
    while (head < tail && times[head] <= t) head++;
    this.#head = head;
    return tail - head;
  }

  insert(done: number): void {
    if (this.#tail === this.#times.length) this.#makeRoom();
    const times = this.#times;
    let j = this.#tail++;
    while (j > this.#head && times[j - 1] > done) {
      times[j] = times[j - 1];
      j--;
    }
    times[j] = done;
  }

  #makeRoom(): void {
    const size = this.#tail - this.#head;
    if (size * 2 <= this.#times.length) this.#times.copyWithin(0, this.#head, this.#tail);
    else {
      const grown = new Float64Array(this.#times.length * 2);
      grown.set(this.#times.subarray(this.#head, this.#tail));
      this.#times = grown;
    }
    this.#head = 0;
    this.#tail = size;
  }
}
