import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClusterView } from "../../src/cluster/cluster-view.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { berthFetch } from "../support/http.js";

describe("the cluster view of a one-machine server", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth?.stop();
  });

  it("shows the server as the only replica and the leader, with no agents", async () => {
    const response = await berthFetch(`${berth.url}/berth/v1/cluster`);
    assert.equal(response.status, 200);
    const view = (await response.json()) as ClusterView;
    assert.equal(view.mode, "single");
    assert.equal(view.replicas.length, 1);
    assert.equal(view.replicas[0]!.url, berth.url);
    assert.equal(view.replicas[0]!.leader, true);
    assert.equal(view.leader?.replicaId, view.replicas[0]!.id);
    assert.deepEqual(view.agents, []);
  });

  it("has no join token, and says how to run a cluster", async () => {
    const response = await berthFetch(`${berth.url}/berth/v1/cluster/join-token`);
    assert.equal(response.status, 400);
    const error = (await response.json()) as { __type: string; message: string };
    assert.equal(error.__type, "ValidationException");
    assert.match(error.message, /runs alone on its SQLite store.*--store etcd:\/\//);
  });

  it("refuses an unsigned call and other methods", async () => {
    assert.equal((await fetch(`${berth.url}/berth/v1/cluster`)).status, 403);
    assert.equal((await berthFetch(`${berth.url}/berth/v1/cluster`, { method: "DELETE" })).status, 405);
    assert.equal((await berthFetch(`${berth.url}/berth/v1/cluster/nodes`)).status, 404);
  });
});
