/**
 * MurmurHash3 (x86, 32-bit) over bytes [start, end) of a body, seeded: stable across processes and
 * releases, so every router replica and worker sends one prefix to the same copy. `words`, when given, is
 * wordsOf(bytes), so hashing many blocks of one body makes one view of it.
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number, seed: number, words = wordsOf(bytes)): number {
  let h = seed | 0;
  let i = start;
  // Where the bytes sit on a 4-byte boundary, whole words are read at once: about twice as fast, the same hash.
  if (words !== undefined && (start & 3) === 0) {
    const first = start >>> 2;
    const last = first + ((end - start) >>> 2);
    for (let j = first; j < last; j++) {
      h ^= scramble(words[j]!);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    i = last << 2;
  }
  for (; i + 4 <= end; i += 4) {
    h ^= scramble(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < end) {
    let tail = bytes[i]!;
    if (i + 1 < end) tail |= bytes[i + 1]! << 8;
    if (i + 2 < end) tail |= bytes[i + 2]! << 16;
    h ^= scramble(tail);
  }
  return finish(h ^ (end - start));
}

/** The body's whole words, little-endian, where it starts on a 4-byte boundary (most bodies do); else undefined. */
export function wordsOf(bytes: Uint8Array): Int32Array | undefined {
  if (!littleEndian || (bytes.byteOffset & 3) !== 0 || bytes.length < 4) return undefined;
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The same hash over a string's UTF-16 code units (a PrefixAwareId, a copy's id). */
export function hashString(text: string, seed = 0): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) {
    h ^= scramble(text.charCodeAt(i));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return finish(h ^ text.length);
}

/** Rendezvous weight of a key on a copy: the copy with the highest weight owns the key, so adding a copy moves few keys. */
export function weight(key: number, copy: number): number {
  return finish(key ^ Math.imul(copy, 0x9e3779b1)) >>> 0;
}

function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
