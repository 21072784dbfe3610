import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { copyOf, invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";

// A server killed (kill -9) takes its copies' processes with it; the restarted server starts the same copies
// (same ids) anew, with their restart counts from 0 again. A session opened before the kill was then sent to
// the new process, which does not hold its state, once the copy was Ready again: the session record matched
// the copy id and the restart count 0. README "Stateful sessions": it never lands on the restarted process.
describe("stateful sessions across a server restart", () => {
  let berth: BerthProcess | undefined;
  after(async () => {
    await berth?.stop();
  });

  it("refuses a session opened before the server was killed, while new requests reach the restarted copy", async () => {
    const first = await startBerth();
    berth = first;
    const endpoint = await createIcEndpoint(first.sagemaker);
    const component = await createComponent(first.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    const opened = await invoke(first.runtime, endpoint, component, "{}", undefined, "NEW_SESSION");
    const session = opened.newSessionId!.split(";")[0]!;
    const copy = copyOf(opened.customAttributes);
    assert.equal(copyOf((await invoke(first.runtime, endpoint, component, "{}", undefined, session)).customAttributes), copy);

    await first.kill();
    const second = await startBerth({ dataDir: first.dataDir });
    berth = second;
    // The same copy serves again once it is restarted: a request without a session reaches it.
    await eventually(async () => (copyOf((await invoke(second.runtime, endpoint, component, "{}")).customAttributes) === copy ? true : undefined), {
      timeoutMs: 60_000,
      what: `copy ${copy} to serve again after the restart`,
    });
    const error = await invoke(second.runtime, endpoint, component, "{}", undefined, session).then(
      (answer) => assert.fail(`the session reached ${copyOf(answer.customAttributes)}, a process that does not hold its state`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ValidationError, `got ${(error as Error).name}: ${(error as Error).message}`);
    assert.match(error.message, new RegExp(`^Session ${session} was held by model copy ${copy}, which no longer serves .*restarted after a crash`));
    // A new session opens on the restarted copy and works.
    const fresh = await invoke(second.runtime, endpoint, component, "{}", undefined, "NEW_SESSION");
    const id = fresh.newSessionId!.split(";")[0]!;
    assert.equal(copyOf((await invoke(second.runtime, endpoint, component, "{}", undefined, id)).customAttributes), copy);
  });
});
