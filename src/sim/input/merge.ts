import type { Trace } from "./trace.js";

/**
 * Walks all streams' arrivals in global time order (ties: lower stream index, then request index),
 * with a binary heap over stream heads. next() allocates nothing, so a simulator can call it per event.
 */
export class ArrivalCursor {
  /** The current request after next() returned true. */
  stream = -1;
  index = -1;
  time = NaN;

  readonly #arrivals: Float64Array[];
  readonly #heap: Int32Array;
  readonly #key: Float64Array;
  readonly #pos: Int32Array;
  #size = 0;

  constructor(trace: Pick<Trace, "streams">) {
    this.#arrivals = trace.streams.map((s) => s.arrivals);
    const k = this.#arrivals.length;
    this.#heap = new Int32Array(k);
    this.#key = new Float64Array(k);
    this.#pos = new Int32Array(k);
    for (let s = 0; s < k; s++) {
      if (this.#arrivals[s].length === 0) continue;
      this.#key[s] = this.#arrivals[s][0];
      this.#heap[this.#size++] = s;
      this.#siftUp(this.#size - 1);
    }
  }

  next(): boolean {
    if (this.#size === 0) return false;
    const s = this.#heap[0];
    const i = this.#pos[s]++;
    this.stream = s;
    this.index = i;
    this.time = this.#key[s];
    const list = this.#arrivals[s];
    if (i + 1 < list.length) this.#key[s] = list[i + 1];
    else this.#heap[0] = this.#heap[--this.#size];
    this.#siftDown(0);
    return true;
  }

  /** Time of the next request without consuming it; Infinity when none is left. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#key[this.#heap[0]];
  }

  #less(a: number, b: number): boolean {
    const ka = this.#key[a];
    const kb = this.#key[b];
    return ka < kb || (ka === kb && a < b);
  }

  #siftUp(k: number): void {
    const heap = this.#heap;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.#less(heap[k], heap[parent])) break;
      const t = heap[k];
      heap[k] = heap[parent];
      heap[parent] = t;
      k = parent;
    }
  }

  #siftDown(k: number): void {
    const heap = this.#heap;
    const size = this.#size;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= size) return;
      let m = l;
      if (l + 1 < size && this.#less(heap[l + 1], heap[l])) m = l + 1;
      if (!this.#less(heap[m], heap[k])) return;
      const t = heap[k];
      heap[k] = heap[m];
      heap[m] = t;
      k = m;
    }
  }
}

export interface MergedArrivals {
  readonly time: Float64Array;
  readonly stream: Uint32Array;
  readonly index: Uint32Array;
}

/** The whole global order at once: 16 bytes per request. */
export function mergeArrivals(trace: Pick<Trace, "streams">): MergedArrivals {
  const total = trace.streams.reduce((sum, s) => sum + s.arrivals.length, 0);
  const time = new Float64Array(total);
  const stream = new Uint32Array(total);
  const index = new Uint32Array(total);
  const cursor = new ArrivalCursor(trace);
  for (let n = 0; cursor.next(); n++) {
    time[n] = cursor.time;
    stream[n] = cursor.stream;
    index[n] = cursor.index;
  }
  return { time, stream, index };
}
