/**
 * Which cache entries to give up to stay within a byte budget: the least recently used first, never
 * one that is held. Bookkeeping only; the cache removes what it is told.
 */
export class CacheBudget {
  readonly #budgetBytes: number;
  readonly #entries = new Map<string, { bytes: number; usedAt: number }>();

  constructor(budgetBytes: number) {
    this.#budgetBytes = budgetBytes;
  }

  get budgetBytes(): number {
    return this.#budgetBytes;
  }

  set(key: string, bytes: number, usedAt: number): void {
    this.#entries.set(key, { bytes, usedAt });
  }

  touch(key: string, usedAt: number): void {
    const entry = this.#entries.get(key);
    if (entry) entry.usedAt = Math.max(entry.usedAt, usedAt);
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  bytesOf(key: string): number {
    return this.#entries.get(key)?.bytes ?? 0;
  }

  totalBytes(): number {
    let total = 0;
    for (const { bytes } of this.#entries.values()) total += bytes;
    return total;
  }

  /** Entries to remove, oldest use first, until the total fits; held entries stay even when the rest cannot make room. */
  victims(held: (key: string) => boolean): string[] {
    let total = this.totalBytes();
    const out: string[] = [];
    const oldestFirst = [...this.#entries].sort((a, b) => a[1].usedAt - b[1].usedAt || (a[0] < b[0] ? -1 : 1));
    for (const [key, { bytes }] of oldestFirst) {
      if (total <= this.#budgetBytes) break;
      if (held(key)) continue;
      out.push(key);
      total -= bytes;
    }
    return out;
  }
}
