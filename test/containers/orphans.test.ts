import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { after, before, describe, it } from "node:test";
import { newDataDir, startBerth, testArtifactSettings, type BerthProcess } from "../support/berth-process.js";
import { buildContractImages, containersLabelled, processesMatching, removeContainersLabelled } from "../support/container-images.js";
import { ask, createContainerComponent } from "../support/container-models.js";
import { createIcEndpoint, waitForComponent } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";

const config = { artifacts: testArtifactSettings, containers: { engine: "podman" } };

/** The `podman run` clients a server started for its copies (setpriv execs podman, so argv[0] is podman). */
function runClients(agentLabel: string): number[] {
  return processesMatching((argv) => basename(argv[0] ?? "") === "podman" && argv.includes("run") && argv.includes(`--label=berth.agent=${agentLabel}`));
}

describe("containers left by a server killed with everything it started", () => {
  const servers: BerthProcess[] = [];
  let agentLabel: string | undefined;
  let images: Awaited<ReturnType<typeof buildContractImages>>;
  before(async () => {
    images = await buildContractImages();
  });
  after(async () => {
    for (const server of servers) await server.stop();
    if (agentLabel) await removeContainersLabelled(`berth.agent=${agentLabel}`);
  });

  it("survive a kill -9 of the server and its podman clients, and the next start removes them and brings the copies back", async () => {
    const dataDir = newDataDir();
    const first = await startBerth({ dataDir, config });
    servers.push(first);
    const endpoint = await createIcEndpoint(first.sagemaker);
    const { name } = await createContainerComponent(first.sagemaker, endpoint, { image: images.v1, copies: 2 });
    const before = await containersLabelled(`berth.component=${name}`);
    assert.equal(before.length, 2);
    agentLabel = before[0]!.labels["berth.agent"];
    assert.ok(agentLabel, "the containers name their agent");
    const clients = runClients(agentLabel);
    assert.equal(clients.length, 2, `one podman run client per copy (found pids ${clients.join(", ")})`);

    // Everything of Berth dies at once, as when the machine's Berth service is killed: the server is frozen
    // first, so it cannot react to its clients' deaths, then the clients and the server get SIGKILL.
    process.kill(first.child.pid!, "SIGSTOP");
    for (const pid of clients) process.kill(pid, "SIGKILL");
    await first.kill();
    await eventually(async () => (clients.every((pid) => !existsSync(`/proc/${pid}`)) ? true : undefined), { what: "the podman clients to be gone" });

    const survivors = await containersLabelled(`berth.agent=${agentLabel}`);
    assert.deepEqual(survivors.map((c) => c.id).sort(), before.map((c) => c.id).sort(), "the containers outlive their clients");
    assert.ok(
      survivors.every((c) => c.state === "running"),
      `still running: ${survivors.map((c) => `${c.name} ${c.state}`).join(", ")}`,
    );

    const second = await startBerth({ dataDir, config });
    servers.push(second);
    await second.waitForLog((l) => typeof l.msg === "string" && /removed 2 leftover podman container\(s\) from a previous run/.test(l.msg), 60_000);
    await waitForComponent(second.sagemaker, name, "InService", 120_000);
    const now = await eventually(
      async () => {
        const containers = await containersLabelled(`berth.agent=${agentLabel}`);
        return containers.length === 2 && containers.every((c) => c.state === "running") ? containers : undefined;
      },
      { timeoutMs: 60_000, what: "two running containers of the restarted server" },
    );
    const oldIds = new Set(before.map((c) => c.id));
    assert.ok(
      now.every((c) => !oldIds.has(c.id)),
      "the copies run in new containers",
    );
    assert.deepEqual(now.map((c) => c.labels["berth.copy"]).sort(), [`${name}-1`, `${name}-2`]);
    const answer = await ask(second.runtime, endpoint, name, { env: ["BERTH_COPY_ID"] });
    assert.match(answer.env.BERTH_COPY_ID ?? "", new RegExp(`^${name}-[12]$`));
  });
});

describe("a clean stop of a server running container copies", () => {
  let berth: BerthProcess | undefined;
  let agentLabel: string | undefined;
  let images: Awaited<ReturnType<typeof buildContractImages>>;
  before(async () => {
    images = await buildContractImages();
  });
  after(async () => {
    await berth?.stop();
    if (agentLabel) await removeContainersLabelled(`berth.agent=${agentLabel}`);
  });

  it("leaves no container behind", async () => {
    berth = await startBerth({ config });
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const { name } = await createContainerComponent(berth.sagemaker, endpoint, { image: images.v1, copies: 2 });
    const running = await containersLabelled(`berth.component=${name}`);
    assert.equal(running.length, 2);
    agentLabel = running[0]!.labels["berth.agent"]!;
    assert.equal(await berth.stop(), 0, "SIGTERM stops the server cleanly");
    assert.deepEqual(await containersLabelled(`berth.agent=${agentLabel}`), [], "no container is left once the server has exited");
    assert.deepEqual(runClients(agentLabel), [], "no podman client is left either");
  });
});
