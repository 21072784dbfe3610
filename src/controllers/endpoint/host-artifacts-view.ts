import type { HostArtifactsRecord } from "../../state/records.js";
import { WatchedEntries } from "../../state/watched-entries.js";

/** What each host's agent last reported its artifact cache holds, kept from the store's watch instead of listing every host's entry on every pass. */
export class HostArtifactsView extends WatchedEntries<"host-artifacts", HostArtifactsRecord> {
  constructor() {
    super("host-artifacts", (report) => report);
  }

  /** Per host, what it holds. */
  get hosts(): ReadonlyMap<string, HostArtifactsRecord> {
    return this.kept;
  }
}
