import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InvokeEndpointWithResponseStreamCommand } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke, invokeStream } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { berthFetch } from "../support/http.js";

describe("the built-in LLM behind the router", () => {
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

  const request = (tokens: number) => JSON.stringify({ inputs: "def quicksort(items):", parameters: { max_new_tokens: tokens, temperature: 0 } });

  it("streams tokens as PayloadPart events that join into the generated text", async () => {
    const streamed = await invokeStream(berth.runtime, endpoint, llm, request(512));
    // Tokens that leave the model faster than the router reads may share a part; a long answer still comes in several.
    assert.ok(streamed.parts.length >= 3, `several parts arrived (${streamed.parts.length})`);
    const lines = streamed.parts
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { token?: { text: string }; generated_text?: string });
    const tokens = lines.filter((l) => l.token).map((l) => l.token!.text);
    const final = lines[lines.length - 1]!;
    assert.equal(tokens.length, 512);
    assert.equal(tokens.join(""), final.generated_text);
    const whole = JSON.parse((await invoke(berth.runtime, endpoint, llm, request(512))).body) as { generated_text: string }[];
    assert.equal(whole[0]!.generated_text, final.generated_text, "greedy decoding gives the same text streamed or not");
  });

  it("stops generating when the client goes away", async () => {
    const abort = new AbortController();
    const response = await berth.runtime.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: endpoint,
        InferenceComponentName: llm,
        Body: new TextEncoder().encode(request(512)),
        ContentType: "application/json",
      }),
      { abortSignal: abort.signal },
    );
    abort.abort();
    await response.Body![Symbol.asyncIterator]().return?.();
    await eventually(
      async () => {
        const text = await (await berthFetch(`${berth.url}/metrics`)).text();
        return new RegExp(`berth_invocation_errors_total\\{[^}]*component="${llm}",kind="client_closed"\\} 1`).test(text) ? true : undefined;
      },
      { what: "the router to count the request as client_closed" },
    );
    const aborted = await berth.waitForLog(
      (l) => typeof l.msg === "string" && /generation aborted by client disconnect|client went away while queued/.test(l.msg),
    );
    const tokens = Number(/after (\d+) of 512 tokens/.exec(String(aborted.msg))?.[1] ?? 0);
    assert.ok(tokens < 512, `generation stopped early (${aborted.msg})`);
    const next = JSON.parse((await invoke(berth.runtime, endpoint, llm, request(8))).body) as { generated_text: string }[];
    assert.ok(next[0]!.generated_text.length > 0, "the copy answers the next request");
  });
});
