import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke, invokeStream } from "../support/invoke.js";

describe("berth/llm keeps a session's conversation", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let llm: string;
  before(async () => {
    berth = await startBerth();
    endpoint = await createIcEndpoint(berth.sagemaker);
    llm = await createComponent(berth.sagemaker, echoComponent(endpoint, { image: "berth/llm", accelerators: 1, cpu: 1, memory: 1024 }));
  });
  after(async () => {
    await berth.stop();
  });

  const request = (inputs: string) => JSON.stringify({ inputs, parameters: { max_new_tokens: 24, temperature: 0 } });
  const ask = async (inputs: string, sessionId?: string, customAttributes?: string) => {
    const answer = await invoke(berth.runtime, endpoint, llm, request(inputs), customAttributes, sessionId);
    const body = JSON.parse(answer.body) as { generated_text: string }[] | { closed: string };
    return { text: Array.isArray(body) ? body[0]!.generated_text : "", newSessionId: answer.newSessionId, closedSessionId: answer.closedSessionId };
  };
  const askStreamed = async (inputs: string, sessionId: string) => {
    const lines = (await invokeStream(berth.runtime, endpoint, llm, request(inputs), sessionId)).parts.join("").trim().split("\n");
    return (JSON.parse(lines[lines.length - 1]!) as { generated_text: string }).generated_text;
  };

  const first = "def add(a, b):";
  const second = "\n\ndef";

  it("answers a session's follow-up from the whole conversation, streamed or not", async () => {
    const opened = await ask(first, "NEW_SESSION");
    assert.match(opened.newSessionId ?? "", /^[0-9a-f-]+; Expires=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const id = opened.newSessionId!.split(";")[0]!;
    const followUp = await ask(second, id);
    // What the model answers when it is sent the whole conversation itself, without a session.
    const whole = await ask(first + opened.text + second);
    assert.equal(followUp.text, whole.text, "the follow-up saw the first turn and its answer");
    const alone = await ask(second);
    assert.notEqual(followUp.text, alone.text, "the follow-up differs from the same input without the conversation");

    const streamedSession = (await ask(first, "NEW_SESSION")).newSessionId!.split(";")[0]!;
    assert.equal(await askStreamed(second, streamedSession), followUp.text, "a streamed turn continues the conversation too");
  });

  it("closes a session when asked, and forgets it", async () => {
    const id = (await ask(first, "NEW_SESSION")).newSessionId!.split(";")[0]!;
    const closed = await ask("", id, "session=close");
    assert.equal(closed.closedSessionId, id);
    await assert.rejects(ask(second, id), (e: Error) => e instanceof ValidationError && /is not open/.test(e.message));
  });
});
