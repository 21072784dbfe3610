/** Copy names are `${component}-${ordinal}`, so a retry after a crash finds the copies it made. */

export function copyOrdinal(id: string): number {
  const m = /-(\d+)$/.exec(id);
  return m === null ? -1 : Number(m[1]);
}

/** Code-unit order, never locale order, so every machine sorts the same way. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class CopyNamer {
  readonly #next = new Map<string, number>();
  readonly #start: Readonly<Record<string, number>>;
  readonly #taken: ReadonlySet<string>;

  constructor(start: Readonly<Record<string, number>>, taken: ReadonlySet<string>) {
    this.#start = start;
    this.#taken = taken;
  }

  /** The next free name; skips names still in use, in case a stored ordinal fell behind. */
  next(component: string): string {
    let n = this.#next.get(component) ?? Math.max(1, Math.floor(this.#start[component] ?? 1));
    while (this.#taken.has(`${component}-${n}`)) n++;
    this.#next.set(component, n + 1);
    return `${component}-${n}`;
  }

  /** The starting ordinals with every component named here advanced, keys sorted. */
  ordinals(): Record<string, number> {
    const merged: Record<string, number> = {};
    const keys = [...new Set([...Object.keys(this.#start), ...this.#next.keys()])].sort(compareText);
    for (const k of keys) merged[k] = this.#next.get(k) ?? this.#start[k];
    return merged;
  }
}
