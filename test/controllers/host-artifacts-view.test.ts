import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HostArtifactsView } from "../../src/controllers/endpoint/host-artifacts-view.js";
import type { BerthChange, Entry, HostArtifactsRecord } from "../../src/state/records.js";

// The endpoint controller keeps the hosts' artifact reports from the watch: a list read while events
// arrive must neither lose a newer report nor bring back a deleted one.

const entry = (host: string, urls: string[], modRevision: number): Entry<HostArtifactsRecord> => ({
  kind: "host-artifacts",
  key: host,
  value: { host, urls },
  createRevision: 1,
  modRevision,
});
const event = (type: "put" | "delete", host: string, urls: string[], revision: number): BerthChange => ({
  type,
  kind: "host-artifacts",
  key: host,
  value: { host, urls },
  revision,
});

describe("the hosts' artifact reports as the endpoint controller keeps them", () => {
  it("keeps the newest report whichever of the list and the watch comes first", () => {
    const view = new HostArtifactsView();
    view.apply(event("put", "gpu-a", ["b"], 7));
    view.load([entry("gpu-a", ["a"], 5), entry("gpu-b", ["c"], 6)]);
    assert.deepEqual(
      [...view.hosts].map(([host, held]) => [host, held.urls]),
      [
        ["gpu-a", ["b"]],
        ["gpu-b", ["c"]],
      ],
    );
    view.apply(event("put", "gpu-b", ["d"], 8));
    assert.deepEqual(view.hosts.get("gpu-b")?.urls, ["d"]);
  });

  it("does not bring back a host whose report was deleted after the list was read", () => {
    const view = new HostArtifactsView();
    view.apply(event("delete", "gpu-a", ["a"], 9));
    view.load([entry("gpu-a", ["a"], 5)]);
    assert.equal(view.hosts.has("gpu-a"), false);
  });

  it("ignores changes to other kinds", () => {
    const view = new HostArtifactsView();
    view.apply({ type: "put", kind: "wake", key: "x", value: { component: "x", at: 1 }, revision: 3 } as unknown as BerthChange);
    assert.equal(view.hosts.size, 0);
  });
});
