/**
 * Every copy id is made here: `${prefix}-${ordinal}`, the ordinal counting up per prefix across the
 * owner's life (a component's copies of every version share its name as prefix), so a retry after a
 * crash finds the copies it made and a replacement never takes an old copy's id.
 */

export function copyId(prefix: string, ordinal: number): string {
  return `${prefix}-${ordinal}`;
}

export function copyOrdinal(id: string): number {
  // As /-(\d+)$/ reads it, without a regular expression: scale-in asks this of every copy it weighs.
  let start = id.length;
  while (start > 0 && isDigit(id.charCodeAt(start - 1))) start--;
  return start < id.length && start > 0 && id.charCodeAt(start - 1) === 45 /* - */ ? Number(id.slice(start)) : -1;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The ordinal after the highest one among `ids` named `${prefix}-<n>`; 1 when there is none. */
export function ordinalAfter(prefix: string, ids: Iterable<string>): number {
  let max = 0;
  for (const id of ids) {
    if (!id.startsWith(prefix + "-")) continue;
    const suffix = Number(id.slice(prefix.length + 1));
    if (Number.isInteger(suffix)) max = Math.max(max, suffix);
  }
  return max + 1;
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

  /** The next free id for the prefix; skips ids still in use, in case a stored ordinal fell behind. */
  next(prefix: string): string {
    let n = this.#next.get(prefix) ?? Math.max(1, Math.floor(this.#start[prefix] ?? 1));
    while (this.#taken.has(copyId(prefix, n))) n++;
    this.#next.set(prefix, n + 1);
    return copyId(prefix, n);
  }

  /** The prefixes named here, with the ordinal after the last one named. */
  advanced(): IterableIterator<[string, number]> {
    return this.#next.entries();
  }
}
