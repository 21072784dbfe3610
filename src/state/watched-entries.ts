import type { BerthChange, BerthRecords, Entry, Kind } from "./records.js";

/**
 * The entries of one kind, as a list read them and the store's watch changed them since, each kept as
 * what its reader needs (`keep` returns undefined for an entry worth nothing to it; the revision it gets is
 * the entry's modRevision, for a reader that commits on it). Revisions order what
 * the list and the watch say, so an event delivered while the list was in flight is neither lost nor undone
 * by the list; a deleted key's revision is kept for the same reason.
 */
export class WatchedEntries<K extends Kind, T> {
  readonly #kind: K;
  readonly #keep: (value: BerthRecords[K], modRevision: number) => T | undefined;
  readonly #kept = new Map<string, T>();
  readonly #revisions = new Map<string, number>();

  constructor(kind: K, keep: (value: BerthRecords[K], modRevision: number) => T | undefined) {
    this.#kind = kind;
    this.#keep = keep;
  }

  /** Entries as a list read them. */
  load(entries: readonly Pick<Entry<BerthRecords[K]>, "key" | "value" | "modRevision">[]): void {
    for (const entry of entries) this.#set(entry.key, entry.value, entry.modRevision);
  }

  apply(change: BerthChange): void {
    if (change.kind !== this.#kind) return;
    this.#set(change.key, change.type === "put" ? (change.value as BerthRecords[K]) : undefined, change.revision);
  }

  /** Drops what is kept for a key, until a newer list or event: for a reader that found it stale. */
  forget(key: string): void {
    this.#kept.delete(key);
  }

  /** What is kept, by key; it changes as events arrive, so a pass reads it once and decides at once. */
  get kept(): ReadonlyMap<string, T> {
    return this.#kept;
  }

  #set(key: string, value: BerthRecords[K] | undefined, revision: number): void {
    if ((this.#revisions.get(key) ?? -1) >= revision) return;
    this.#revisions.set(key, revision);
    const kept = value === undefined ? undefined : this.#keep(value, revision);
    if (kept === undefined) this.#kept.delete(key);
    else this.#kept.set(key, kept);
  }
}
