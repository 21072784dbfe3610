import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { copyOf, invoke, invokeStream } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

describe("stateful sessions (SessionId)", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let component: string;
  before(async () => {
    berth = await startBerth();
    endpoint = await createIcEndpoint(berth.sagemaker, { variant: { RoutingConfig: { RoutingStrategy: "RANDOM" } } });
    component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, copies: 3 }));
  });
  after(async () => {
    await berth.stop();
  });

  const send = async (sessionId: string | undefined, body: string, customAttributes?: string, to = component) => {
    const answer = await invoke(berth.runtime, endpoint, to, body, customAttributes, sessionId);
    return { copy: copyOf(answer.customAttributes), newSessionId: answer.newSessionId, closedSessionId: answer.closedSessionId };
  };
  const stream = async (sessionId: string, body: string) => {
    const answer = await invokeStream(berth.runtime, endpoint, component, body, sessionId);
    return { copy: copyOf(answer.customAttributes), body: answer.parts.join("") };
  };
  const open = async (customAttributes?: string, to = component) => {
    const opened = await send("NEW_SESSION", "{}", customAttributes, to);
    assert.ok(opened.newSessionId, "the container's new session id comes back as NewSessionId");
    return { id: opened.newSessionId.split(";")[0]!, copy: opened.copy, header: opened.newSessionId };
  };

  it("opens a session with NEW_SESSION and sends its requests, streamed or not, to the copy that opened it", async () => {
    const session = await open();
    assert.match(session.header, /^[0-9a-f-]+; Expires=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (let i = 0; i < 12; i++) assert.equal((await send(session.id, `{"turn":${i}}`)).copy, session.copy, `turn ${i} reached the session's copy`);
    const streamed = await stream(session.id, '{"turn":"streamed"}');
    assert.equal(streamed.copy, session.copy);
    assert.equal(streamed.body, '{"turn":"streamed"}');
    // Without a session the same component spreads requests over its three copies.
    const spread = new Set<string>();
    await eventually(async () => (spread.add((await send(undefined, "{}")).copy), spread.size > 1 ? true : undefined), {
      intervalMs: 0,
      what: "requests without a session to reach more than one copy",
    });
  });

  it("answers an unknown session id with ValidationError", async () => {
    const error = await send("no-such-session", "{}").then(
      () => assert.fail("an unknown session was accepted"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ValidationError, `got ${(error as Error).name}`);
    assert.match(error.message, /^Session no-such-session is not open \(unknown, or closed\) on endpoint .*Start a new session with SessionId NEW_SESSION\.$/);
  });

  it("forgets a session the container closes, on every later request", async () => {
    const session = await open();
    const closed = await send(session.id, "{}", "session=close");
    assert.equal(closed.closedSessionId, session.id);
    assert.equal(closed.copy, session.copy);
    await assert.rejects(send(session.id, "{}"), (e: Error) => e instanceof ValidationError && /is not open/.test(e.message));
    await assert.rejects(stream(session.id, "{}"), (e: Error) => e instanceof ValidationError && /is not open/.test(e.message));
  });

  it("refuses a session past the expiry its container announced", async () => {
    const session = await open("session_ttl_s=0");
    await assert.rejects(
      send(session.id, "{}"),
      (e: Error) => e instanceof ValidationError && new RegExp(`^Session ${session.id} has expired`).test(e.message),
    );
  });

  it("refuses NEW_SESSION on a streamed invocation, as SageMaker does", async () => {
    await assert.rejects(stream("NEW_SESSION", "{}"), (e: Error) => e instanceof ValidationError && /cannot create a session/.test(e.message));
  });

  it("refuses a session whose copy crashed, while the restarted copy serves new requests", async () => {
    const single = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    const session = await open(undefined, single);
    const before = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === session.copy)!;
    process.kill(before.pid!, "SIGKILL");
    await eventually(
      async () => {
        const copy = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).find((c) => c.copyId === session.copy);
        return copy?.phase === "Ready" && copy.pid !== before.pid ? true : undefined;
      },
      { timeoutMs: 60_000, what: `copy ${session.copy} to be restarted and Ready` },
    );
    // Once the restarted copy is in the router's table, new requests reach it, and the old session never does.
    await eventually(async () => ((await send(undefined, "{}", undefined, single)).copy === session.copy ? true : undefined), {
      what: "a request without a session to reach the restarted copy",
    });
    await assert.rejects(send(session.id, "{}", undefined, single), (e: Error) => e instanceof ValidationError && /restarted after a crash/.test(e.message));
  });

  it("scales in the copy without open sessions, keeping the one that holds them", async () => {
    const scaled = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, copies: 2 }));
    // Without sessions, scale-in stops the newest copy, -2: the session is put there, and none on -1.
    const session = await eventually(
      async () => {
        const opened = await open(undefined, scaled);
        if (opened.copy === `${scaled}-2`) return opened;
        await send(opened.id, "{}", "session=close", scaled);
        return undefined;
      },
      { intervalMs: 0, what: `a session on ${scaled}-2` },
    );
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: scaled, DesiredRuntimeConfig: { CopyCount: 1 } }));
    const left = await eventually(
      async () => {
        const copies = (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.copyId.startsWith(`${scaled}-`));
        return copies.length === 1 ? copies[0]!.copyId : undefined;
      },
      { what: `${scaled} to be down to one copy` },
    );
    assert.equal(left, `${scaled}-2`, "the copy holding the session stayed");
    assert.equal((await send(session.id, "{}", undefined, scaled)).copy, `${scaled}-2`);
  });

  it("keeps serving the sessions of a copy being scaled in until they close, then stops it", async () => {
    const scaled = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, copies: 2 }));
    // One session on each copy, so whichever copy scale-in stops holds one.
    const sessions = new Map<string, string>();
    await eventually(
      async () => {
        const session = await open(undefined, scaled);
        // Exactly one session per copy: a second one on the same copy is closed at once.
        if (sessions.has(session.copy)) await send(session.id, "{}", "session=close", scaled);
        else sessions.set(session.copy, session.id);
        return sessions.size === 2 ? true : undefined;
      },
      { intervalMs: 0, what: "sessions opened on both copies" },
    );
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: scaled, DesiredRuntimeConfig: { CopyCount: 1 } }));
    const copiesOf = async () => (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.copyId.startsWith(`${scaled}-`));
    const stopping = await eventually(async () => (await copiesOf()).find((c) => c.state === "Draining")?.copyId, {
      what: `a copy of ${scaled} to be draining`,
    });
    const id = sessions.get(stopping)!;
    assert.equal((await send(id, "{}", undefined, scaled)).copy, stopping, "the session on the stopping copy still reaches it");
    assert.equal((await send(id, "{}", "session=close", scaled)).closedSessionId, id);
    await eventually(async () => ((await copiesOf()).length === 1 ? true : undefined), { what: `the drained copy of ${scaled} to stop` });
    await assert.rejects(send(id, "{}", undefined, scaled), (e: Error) => e instanceof ValidationError && /is not open/.test(e.message));
    const kept = [...sessions].find(([copy]) => copy !== stopping)!;
    assert.equal((await send(kept[1], "{}", undefined, scaled)).copy, kept[0], "the other copy's session is untouched");
  });
});
