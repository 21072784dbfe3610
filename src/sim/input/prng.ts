/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes PractRand,
 * and costs a few integer operations per draw. Seeded through splitmix32 so that nearby seeds give
 * unrelated streams.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare = NaN;

  /** substream picks an independent sequence for the same seed and salt, e.g. one per minute. */
  constructor(seed: number, salt: string | number = "", substream = 0) {
    const saltHash = typeof salt === "number" ? salt : hashString(salt);
    let s = (Math.trunc(seed) ^ saltHash ^ Math.imul(substream + 1, 0x27d4eb2f)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on the open interval (0, 1), so that log(u) and u^(1/a) are always finite. */
  uniform(): number {
    return (this.uint32() + 0.5) * 2.3283064365386963e-10;
  }

  /** Standard normal by Box–Muller; the pair's second value is kept for the next call. */
  normal(): number {
    if (!Number.isNaN(this.#spare)) {
      const z = this.#spare;
      this.#spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.#spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }

  /** A whole number in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

/** FNV-1a over UTF-16 code units: a stable 32-bit salt from a stream id. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** In-place Fisher–Yates shuffle. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
