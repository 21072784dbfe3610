/**
 * Which holder (a copy, or an adapter in a copy: "<copy>/<adapter>") uses which cache entry, and whether
 * an entry has any holder. Each method returns the entries that just lost their last holder, which the
 * cache may then evict.
 */
export class EntryHolders {
  readonly #byHolder = new Map<string, string>();
  readonly #counts = new Map<string, number>();

  /** Records that `holder` uses `key` (and no longer what it used before). */
  hold(holder: string, key: string): string[] {
    const previous = this.#byHolder.get(holder);
    if (previous === key) return [];
    this.#byHolder.set(holder, key);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    return previous === undefined ? [] : this.#drop(previous);
  }

  /** This holder alone no longer uses its entry. */
  releaseOnly(holder: string): string[] {
    const key = this.#byHolder.get(holder);
    if (key === undefined) return [];
    this.#byHolder.delete(holder);
    return this.#drop(key);
  }

  /** The holder and every holder under it no longer use their entries. */
  release(holder: string): string[] {
    const names = [...this.#byHolder.keys()].filter((name) => name === holder || name.startsWith(`${holder}/`));
    return names.flatMap((name) => this.releaseOnly(name));
  }

  held(key: string): boolean {
    return this.#counts.has(key);
  }

  #drop(key: string): string[] {
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count > 0) {
      this.#counts.set(key, count);
      return [];
    }
    this.#counts.delete(key);
    return [key];
  }
}
