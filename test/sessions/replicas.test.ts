import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import type { BerthProcess } from "../support/berth-process.js";
import { startFleet, type Fleet } from "../support/cluster.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { copyOf, invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";

const hostType = "ml.g5.12xlarge";

describe("stateful sessions across router replicas", () => {
  let fleet: Fleet;
  let endpoint: string;
  let component: string;
  before(async () => {
    fleet = await startFleet({ replicas: 2, agents: [{ name: "host-s", instanceType: hostType }] });
    endpoint = await createIcEndpoint(fleet.replicas[0]!.sagemaker, { instanceType: hostType, instanceCount: 1 });
    component = await createComponent(fleet.replicas[0]!.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 3 }));
  });
  after(async () => {
    await fleet?.stop();
  });

  const send = async (via: BerthProcess, sessionId: string, customAttributes?: string) => {
    const answer = await invoke(via.runtime, endpoint, component, "{}", customAttributes, sessionId);
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
});
