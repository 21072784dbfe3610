import type { HostArtifactsRecord } from "../../state/records.js";
import type { BerthChange, Entry } from "../../state/records.js";

/**
 * What each host's agent last reported its artifact cache holds, kept from the store's watch instead of
 * listing every host's entry on every pass. Revisions order what the initial list and the watch say, so
 * an event delivered while the list was in flight is neither lost nor undone by the list.
 */
export class HostArtifactsView {
  readonly #hosts = new Map<string, HostArtifactsRecord>();
  /** The revision each host's entry was last changed at; kept after a delete, so a late list does not bring it back. */
  readonly #revisions = new Map<string, number>();

  /** Entries as a list read them. */
  load(entries: readonly Entry<HostArtifactsRecord>[]): void {
    for (const entry of entries) this.#set(entry.key, entry.value, entry.modRevision);
  }

  apply(change: BerthChange): void {
    if (change.kind !== "host-artifacts") return;
    this.#set(change.key, change.type === "put" ? change.value : undefined, change.revision);
  }

  /** Per host, what it holds; the map changes as events arrive, so a pass reads it once and decides at once. */
  get hosts(): ReadonlyMap<string, HostArtifactsRecord> {
    return this.#hosts;
  }

  #set(host: string, value: HostArtifactsRecord | undefined, revision: number): void {
    if ((this.#revisions.get(host) ?? -1) >= revision) return;
    this.#revisions.set(host, revision);
    if (value) this.#hosts.set(host, value);
    else this.#hosts.delete(host);
  }
}
