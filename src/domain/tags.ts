import type { Tag } from "./resources.js";

/** A resource holds at most this many tags, after AddTags or TagResource merges new ones in. */
export const maxTagsPerResource = 50;

/** Key prefixes a user may not set: `aws:` is AWS's own (any case), `berth:` is kept for Berth's own tags. */
export const reservedTagPrefixes = ["aws:", "berth:"] as const;

/** The reserved prefix a key starts with (compared case-insensitively), if any. */
export function reservedPrefixOf(key: string): string | undefined {
  const lower = key.toLowerCase();
  return reservedTagPrefixes.find((prefix) => lower.startsWith(prefix));
}

/** The first user-set key that starts with a reserved prefix, with the prefix. */
export function firstReservedKey(keys: Iterable<string>): { key: string; prefix: string } | undefined {
  for (const key of keys) {
    const prefix = reservedPrefixOf(key);
    if (prefix) return { key, prefix };
  }
  return undefined;
}

/**
 * Adds tags to a resource's tags: a key already there takes the new value in its place, new keys
 * follow in the order given (a key given twice keeps its last value). Returns the merged list.
 */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const merged = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of added) merged.set(t.Key, t.Value);
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

/** The tags left once the given keys are removed; keys the resource does not have are ignored. */
export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const gone = new Set(keys);
  return existing.filter((t) => !gone.has(t.Key));
}

/** Tag list ⇄ tag map (Application Auto Scaling writes tags as a map). */
export function tagsFromMap(map: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}

export function tagsToMap(tags: readonly Tag[]): Record<string, string> {
  const map: Record<string, string> = {};
  // defineProperty keeps a key such as "__proto__" as data.
  for (const t of tags) Object.defineProperty(map, t.Key, { value: t.Value, enumerable: true, writable: true, configurable: true });
  return map;
}
