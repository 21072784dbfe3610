import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import type { BerthProcess } from "../support/berth-process.js";
import { startFleet, type Fleet } from "../support/cluster.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { copyOf, invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

const hostType = "ml.g5.12xlarge";
/** Long enough for requests to reach a draining copy, short enough to wait out in a test. */
const drainSeconds = 8;

describe("stateful sessions across router replicas", () => {
  let fleet: Fleet;
  let endpoint: string;
  let component: string;
  before(async () => {
    fleet = await startFleet({
      replicas: 2,
      agents: [{ name: "host-s", instanceType: hostType }],
      server: { config: { sessionDrainSeconds: drainSeconds } },
    });
    endpoint = await createIcEndpoint(fleet.replicas[0]!.sagemaker, { instanceType: hostType, instanceCount: 1 });
    component = await createComponent(fleet.replicas[0]!.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 3 }));
  });
  after(async () => {
    await fleet?.stop();
  });

  const send = async (via: BerthProcess, sessionId: string, customAttributes?: string, to = component) => {
    const answer = await invoke(via.runtime, endpoint, to, "{}", customAttributes, sessionId);
    return { copy: copyOf(answer.customAttributes), newSessionId: answer.newSessionId, closedSessionId: answer.closedSessionId };
  };

  it("routes a session opened through one replica to its copy through the other, and forgets it everywhere once closed", async () => {
    const [a, b] = fleet.replicas as [BerthProcess, BerthProcess];
    // Both replicas must route to all three copies before the session's copy can be told apart from chance.
    for (const replica of [a, b]) {
      const seen = new Set<string>();
      await eventually(async () => (seen.add((await send(replica, "NEW_SESSION")).copy), seen.size === 3 ? true : undefined), {
        intervalMs: 0,
        what: () => `replica ${fleet.idOf(replica)} to reach all three copies (saw ${[...seen].join(", ")})`,
      });
    }
    const opened = await send(a, "NEW_SESSION");
    const id = opened.newSessionId!.split(";")[0]!;
    // At once, with no wait: the other replica finds the session even before its watch brings it.
    for (let i = 0; i < 6; i++) assert.equal((await send(b, id)).copy, opened.copy, `request ${i} through the other replica reached the session's copy`);
    assert.equal((await send(b, id, "session=close")).closedSessionId, id);
    // The first replica hears of the close through the store's watch.
    const refusal = await eventually(
      () =>
        send(a, id).then(
          () => undefined,
          (e: Error) => e,
        ),
      { what: "the first replica to refuse the closed session" },
    );
    assert.ok(refusal instanceof ValidationError, `got ${refusal.name}`);
    assert.match(refusal.message, /is not open/);
  });

  it("drains the sessions of a copy stopped on a remote agent through every replica, then refuses them as gone on every replica", async () => {
    const [a, b] = fleet.replicas as [BerthProcess, BerthProcess];
    const scaled = await createComponent(a.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), accelerators: 0, copies: 2 }));
    // One session on each copy, so whichever copy scale-in stops holds one.
    const sessions = new Map<string, string>();
    await eventually(
      async () => {
        const opened = await send(a, "NEW_SESSION", undefined, scaled);
        const id = opened.newSessionId!.split(";")[0]!;
        if (sessions.has(opened.copy)) await send(a, id, "session=close", scaled);
        else sessions.set(opened.copy, id);
        return sessions.size === 2 ? true : undefined;
      },
      { intervalMs: 0, what: `sessions opened on both copies of ${scaled}` },
    );
    await a.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: scaled, DesiredRuntimeConfig: { CopyCount: 1 } }));
    const copiesOf = async (via: BerthProcess) =>
      (await placement(via.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.copyId.startsWith(`${scaled}-`));
    const stopping = await eventually(async () => (await copiesOf(b)).find((c) => c.state === "Draining")?.copyId, {
      what: `a copy of ${scaled} to be draining`,
    });
    const id = sessions.get(stopping)!;
    // Its draining is in the store: both replicas' routers still send the session there.
    for (const replica of [a, b]) assert.equal((await send(replica, id, undefined, scaled)).copy, stopping, `through ${fleet.idOf(replica)}`);
    await eventually(async () => ((await copiesOf(a)).length === 1 ? true : undefined), {
      timeoutMs: 60_000,
      what: `${stopping} to stop once the session drain limit passed`,
    });
    for (const replica of [a, b]) {
      const refusal = await eventually(
        () =>
          send(replica, id, undefined, scaled).then(
            () => undefined,
            (e: Error) => e,
          ),
        { what: `replica ${fleet.idOf(replica)} to refuse the session of the stopped copy` },
      );
      assert.ok(refusal instanceof ValidationError, `got ${refusal.name}`);
      assert.match(refusal.message, new RegExp(`was held by model copy ${stopping}, which no longer serves`));
    }
    const kept = [...sessions].find(([copy]) => copy !== stopping)!;
    for (const replica of [a, b]) assert.equal((await send(replica, kept[1], undefined, scaled)).copy, kept[0], "the other copy's session is untouched");
  });
});
