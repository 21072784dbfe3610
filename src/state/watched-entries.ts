import type { BerthChange, BerthRecords, Kind, ReadEntry } from "./records.js";

/**
 * The entries of one kind, as a list read them and the store's watch changed them since, each kept as
 * what its reader needs (`keep` returns undefined for an entry worth nothing to it; the revision it gets is
 * the entry's modRevision, for a reader that commits on it). Revisions order what
 * the list and the watch say, so an event delivered while the list was in flight is neither lost nor undone
 * by the list; a deleted key's revision is kept for the same reason. With `groupOf`, kept entries are also
 * found by group (e.g. a scalable target's policies), without a scan of every entry.
 */
export class WatchedEntries<K extends Kind, T> {
  readonly #kind: K;
  readonly #keep: (value: BerthRecords[K], modRevision: number, key: string) => T | undefined;
  readonly #kept = new Map<string, T>();
  readonly #revisions = new Map<string, number>();
  readonly #groupOf: ((kept: T) => string) | undefined;
  readonly #groups = new Map<string, Map<string, T>>();

  constructor(kind: K, keep: (value: BerthRecords[K], modRevision: number, key: string) => T | undefined, groupOf?: (kept: T) => string) {
    this.#kind = kind;
    this.#keep = keep;
    this.#groupOf = groupOf;
  }

  /** Entries as a list read them. */
  load(entries: readonly ReadEntry<BerthRecords[K]>[]): void {
    for (const entry of entries) this.#set(entry.key, entry.value, entry.modRevision);
  }

  apply(change: BerthChange): void {
    if (change.kind !== this.#kind) return;
    this.#set(change.key, change.type === "put" ? (change.value as BerthRecords[K]) : undefined, change.revision);
  }

  /** Drops what is kept for a key, until a newer list or event: for a reader that found it stale. */
  forget(key: string): void {
    this.#drop(key);
  }

  /** What is kept, by key; it changes as events arrive, so a pass reads it once and decides at once. */
  get kept(): ReadonlyMap<string, T> {
    return this.#kept;
  }

  /** What is kept in one group (empty when none), by key; needs `groupOf`. */
  group(name: string): ReadonlyMap<string, T> {
    return this.#groups.get(name) ?? noEntries;
  }

  #set(key: string, value: BerthRecords[K] | undefined, revision: number): void {
    if ((this.#revisions.get(key) ?? -1) >= revision) return;
    this.#revisions.set(key, revision);
    const kept = value === undefined ? undefined : this.#keep(value, revision, key);
    this.#drop(key);
    if (kept === undefined) return;
    this.#kept.set(key, kept);
    if (!this.#groupOf) return;
    const name = this.#groupOf(kept);
    const group = this.#groups.get(name) ?? new Map<string, T>();
    group.set(key, kept);
    this.#groups.set(name, group);
  }

  #drop(key: string): void {
    const kept = this.#kept.get(key);
    if (kept === undefined) return;
    this.#kept.delete(key);
    if (!this.#groupOf) return;
    const name = this.#groupOf(kept);
    const group = this.#groups.get(name);
    group?.delete(key);
    if (group?.size === 0) this.#groups.delete(name);
  }
}

const noEntries: ReadonlyMap<string, never> = new Map<string, never>();

/** A `keep` for readers that keep each entry as it was read. */
export function asRead<T>(value: T, modRevision: number, key: string): ReadEntry<T> {
  return { key, value, modRevision };
}
