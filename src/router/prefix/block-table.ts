/** Block hashes one copy remembers: 4,096 of them, 16 KiB per copy that served block-matched traffic. */
export const blockTableSlots = 4096;

/**
 * An approximate, bounded memory of the prompt blocks a copy served recently: a direct-mapped table of
 * block hashes where a newer block takes an older one's slot. It forgets the oldest blocks roughly as an
 * LRU would, and never claims a block it did not see unless two 32-bit hashes collide.
 */
export class BlockTable {
  readonly #slots = new Int32Array(blockTableSlots);

  has(hash: number): boolean {
    return this.#slots[hash & (blockTableSlots - 1)] === (hash || 1);
  }

  add(hash: number): void {
    this.#slots[hash & (blockTableSlots - 1)] = hash || 1;
  }

  /** How many of the first `count` hashes it holds in a row: chained hashes make the first miss the end of the match. */
  matched(hashes: Int32Array, count: number): number {
    for (let i = 0; i < count; i++) if (!this.has(hashes[i]!)) return i;
    return count;
  }
}
