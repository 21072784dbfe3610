import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keys } from "../../src/state/keys.js";
import { startOrigin, type ArtifactOrigin } from "../support/artifact-origin.js";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { testArtifactSettings } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, deleteComponent, echoComponent } from "../support/fixtures.js";
import { writeTarball } from "../support/tarball.js";
import { tempDir } from "../support/temp-dir.js";
import { eventually } from "../support/wait.js";
import { agentCall, keyOf, startCluster, type TestCluster } from "./agent-support.js";

const artifacts = { allowedHosts: ["127.0.0.1"], allowPrivateNetworks: true };

describe("placement on a cluster prefers the host that holds a component's artifact", () => {
  let cluster: TestCluster;
  let origin: ArtifactOrigin;
  const agents: AgentProcess[] = [];

  before(async () => {
    const file = join(tempDir("berth-warm-placement-"), "model.tar.gz");
    writeTarball(file, [{ path: "weights.bin", body: "warm weights" }]);
    const body = readFileSync(file);
    origin = await startOrigin("127.0.0.1", { "/model.tar.gz": (_req, res) => res.writeHead(200).end(body) });
    cluster = await startCluster({ config: { artifacts } });
    for (const name of ["warm-a", "warm-b"]) {
      const config = { artifacts: { ...testArtifactSettings, ...artifacts } };
      agents.push(startAgent({ servers: [cluster.server.url], token: cluster.secrets.joinToken, name, config }));
    }
    for (const name of ["warm-a", "warm-b"])
      await eventually(async () => (await cluster.store.get("agent", keys.agent(name)))?.value, { what: `agent ${name} to register` });
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cluster?.stop();
    await origin?.close();
  });

  it("starts a new component's copy on the instance whose host cached its artifact, not on the older empty one", async () => {
    const sm = cluster.server.sagemaker;
    const endpoint = await createIcEndpoint(sm, { instanceType: "ml.g5.12xlarge", instanceCount: 2 });
    const instances = (await cluster.store.list("instance", { prefix: keys.children(endpoint) })).map((e) => e.value);
    assert.equal(instances.length, 2);
    const [older, newer] = instances;
    // Fill the older instance, so the first component with the artifact lands on the newer one.
    const blocker = await createComponent(sm, echoComponent(endpoint, { accelerators: 4 }));
    const withArtifact = (name: string) => {
      const input = echoComponent(endpoint, { name, accelerators: 1 });
      input.Specification!.Container!.ArtifactUrl = `${origin.url}/model.tar.gz`;
      return input;
    };
    const first = await createComponent(sm, withArtifact(`warm-first-${process.pid}`));
    const copyHost = async (component: string) => {
      const copies = (await cluster.store.list("copy", { prefix: keys.children(endpoint) })).map((e) => e.value);
      return copies.find((c) => c.owner.type === "component" && c.owner.name === component)?.instanceId;
    };
    assert.equal(await copyHost(first), newer!.id, "the first copy went to the only instance with room");
    await deleteComponent(sm, first);
    await deleteComponent(sm, blocker);
    await eventually(
      async () => ((await cluster.store.get("host-artifacts", newer!.host))?.value.urls.includes(`${origin.url}/model.tar.gz`) ? true : undefined),
      {
        what: `agent ${newer!.host} to report that it holds the artifact`,
      },
    );
    const second = await createComponent(sm, withArtifact(`warm-second-${process.pid}`));
    assert.equal(await copyHost(second), newer!.id, `placed on ${newer!.host}, which holds the artifact, though ${older!.host}'s instance is older and empty`);
    assert.equal(origin.requests.length, 2, "the second start re-checked the URL; the bytes came from the host's cache");
  });

  it("lets an agent write only its own host's artifacts", async () => {
    const url = cluster.server.url;
    const path = "/berth/v1/agents/warm-a/status";
    const forged = await agentCall(url, "POST", path, keyOf(cluster, "warm-a"), {
      ops: [{ type: "put", kind: "host-artifacts", key: "warm-b", value: { host: "warm-b", urls: ["http://elsewhere/x.tar.gz"] } }],
    });
    assert.equal(forged.status, 403);
    assert.match(forged.body.message!, /an agent may only write its own \(warm-a\)/);
    const own = await agentCall(url, "POST", path, keyOf(cluster, "warm-a"), {
      ops: [{ type: "put", kind: "host-artifacts", key: "warm-a", value: { host: "warm-a", urls: [42] } }],
    });
    assert.equal(own.status, 400, "URLs must be strings");
    const notHeld = await agentCall(url, "POST", path, keyOf(cluster, "warm-a"), {
      ops: [{ type: "put", kind: "host-artifacts", key: "warm-a", value: { host: "warm-a", urls: [], memoryUrls: ["http://elsewhere/x.tar.gz"] } }],
    });
    assert.equal(notHeld.status, 400);
    assert.match(notHeld.body.message!, /memoryUrls must list only URLs that urls lists/);
    assert.ok(!(await cluster.store.get("host-artifacts", "warm-b"))?.value.urls.includes("http://elsewhere/x.tar.gz"));
  });

  it("takes an agent's parked engines' devices only for keys it lists as parked, as small device indices", async () => {
    const url = cluster.server.url;
    const path = "/berth/v1/agents/warm-a/status";
    const report = (value: Record<string, unknown>) =>
      agentCall(url, "POST", path, keyOf(cluster, "warm-a"), {
        ops: [{ type: "put", kind: "host-artifacts", key: "warm-a", value: { host: "warm-a", urls: [], ...value } }],
      });
    const unlisted = await report({ parked: ["ep/ic/1"], parkedDevices: { "ep/other/1": [[0]] } });
    assert.equal(unlisted.status, 400);
    assert.match(unlisted.body.message!, /parkedDevices names 'ep\/other\/1', which parked does not list/);
    const huge = await report({ parked: ["ep/ic/1"], parkedDevices: { "ep/ic/1": [[1e9]] } });
    assert.equal(huge.status, 400);
    assert.match(huge.body.message!, /must be a list of at most 64 lists of device indices/);
    const alone = await report({ parkedDevices: { "ep/ic/1": [[0]] } });
    assert.equal(alone.status, 400);
    assert.match(alone.body.message!, /parkedDevices needs ops\[0\]\.value\.parked/);
    const good = await report({ parked: ["ep/ic/1"], parkedDevices: { "ep/ic/1": [[2], [0, 1]] } });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.deepEqual((await cluster.store.get("host-artifacts", "warm-a"))?.value.parkedDevices, { "ep/ic/1": [[2], [0, 1]] });
  });
});
