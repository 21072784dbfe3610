import { after, before, describe, test } from "node:test";
import { startServer, type ServerUnderTest } from "./harness.js";
import { postAndHangUp, postForChunks } from "./http-chunks.js";

interface Generated {
  generated_text: string;
  details?: { generated_tokens: number; seed?: number; prompt_tokens: number; prefix_tokens_reused: number };
}

describe("berth/llm", () => {
  let llm: ServerUnderTest;
  before(async () => {
    // The first start may build the default model (a few seconds) before loading it.
    llm = await startServer("llm", { timeoutMs: 60_000 });
  });
  after(async () => {
    await llm.stop();
  });

  async function generate(parameters: Record<string, unknown>, attributes?: string): Promise<Response> {
    return fetch(llm.url("/invocations"), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(attributes ? { "X-Amzn-SageMaker-Custom-Attributes": attributes } : {}) },
      body: JSON.stringify({ inputs: "def fibonacci(n):", parameters }),
    });
  }

  async function text(parameters: Record<string, unknown>, attributes?: string): Promise<string> {
    const res = await generate(parameters, attributes);
    const [answer] = (await res.json()) as Generated[];
    return answer!.generated_text;
  }

  test("/ping answers 200 once the model is loaded", async (t) => {
    t.plan(2);
    t.assert.match(llm.log(), /model .*berth-tiny-coder\.gguf loaded in \d+ ms/);
    t.assert.equal((await fetch(llm.url("/ping"))).status, 200);
  });

  test("generates exactly max_new_tokens tokens in the TGI answer shape", async (t) => {
    t.plan(5);
    const res = await generate({ max_new_tokens: 20, details: true });
    t.assert.equal(res.status, 200);
    t.assert.equal(res.headers.get("content-type"), "application/json");
    t.assert.equal(res.headers.get("x-amzn-sagemaker-custom-attributes"), "copy=llm-test");
    const answer = (await res.json()) as Generated[];
    t.assert.equal(answer[0]!.generated_text.length > 0, true);
    t.assert.equal(answer[0]!.details!.generated_tokens, 20);
  });

  test("greedy decoding and a fixed seed give the same text every time; another seed differs", async (t) => {
    t.plan(3);
    t.assert.equal(await text({ max_new_tokens: 24 }), await text({ max_new_tokens: 24 }));
    const seeded = await text({ max_new_tokens: 24, temperature: 0.9, seed: 11 });
    t.assert.equal(await text({ max_new_tokens: 24, temperature: 0.9, seed: 11 }), seeded);
    t.assert.notEqual(await text({ max_new_tokens: 24, temperature: 0.9, seed: 12 }), seeded);
  });

  test("streaming sends one JSON line per token, then the whole text", async (t) => {
    t.plan(5);
    const res = await postForChunks(llm.url("/invocations"), {
      body: JSON.stringify({ inputs: "import os\n", parameters: { max_new_tokens: 16 } }),
      headers: { "Content-Type": "application/json", "X-Berth-Stream": "true" },
    });
    t.assert.equal(res.status, 200);
    t.assert.equal(res.chunks.length > 1, true, `got ${res.chunks.length} chunk(s)`);
    const lines = Buffer.concat(res.chunks)
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    const last = lines.pop() as Generated;
    const joined = lines.map((line: { token: { text: string } }) => line.token.text).join("");
    t.assert.equal(lines.length > 1, true);
    t.assert.equal(joined, last.generated_text);
    t.assert.equal(last.details!.generated_tokens, 16);
  });

  test("a client that disconnects stops generation, and the server stays healthy", async (t) => {
    t.plan(3);
    const body = JSON.stringify({ inputs: "class Tree:", parameters: { max_new_tokens: 512 } });
    await postAndHangUp(llm.url("/invocations"), { body, headers: { "Content-Type": "application/json", "X-Berth-Stream": "true" } });
    const [, tokens] = await llm.waitForLog(/aborted by client disconnect after (\d+) of 512 tokens/);
    t.assert.equal(Number(tokens) < 512, true, `stopped after ${tokens} tokens`);
    t.assert.equal((await fetch(llm.url("/ping"))).status, 200);
    t.assert.equal((await text({ max_new_tokens: 4, details: true })).length > 0, true);
  });

  test("the demo LoRA adapter changes the output for the same prompt", async (t) => {
    t.plan(3);
    const base = await text({ max_new_tokens: 24 });
    const res = await generate({ max_new_tokens: 24 }, "adapter=berth-demo-lora");
    t.assert.equal(res.headers.get("x-amzn-sagemaker-custom-attributes"), "copy=llm-test,adapter=berth-demo-lora");
    const [adapted] = (await res.json()) as Generated[];
    t.assert.notEqual(adapted!.generated_text, base);
    t.assert.equal(await text({ max_new_tokens: 24 }), base, "the base model is unchanged afterwards");
  });

  test("a prompt sharing a long prefix with earlier ones evaluates only what differs, even with another prompt between", async (t) => {
    t.plan(6);
    const system = "# You are a careful Python reviewer. Answer in one short paragraph.\n".repeat(20);
    const ask = async (inputs: string) => {
      const res = await fetch(llm.url("/invocations"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ inputs, parameters: { max_new_tokens: 4, details: true } }),
      });
      const [answer] = (await res.json()) as Generated[];
      return {
        header: Number(res.headers.get("x-berth-prefix-tokens-reused")),
        prompt: Number(res.headers.get("x-berth-prompt-tokens")),
        details: answer!.details!,
      };
    };
    const systemTokens = (await ask(system)).prompt;
    const first = await ask(system + "def parse(line):");
    await ask("import sys\nprint(sys.argv)");
    const second = await ask(system + "class Queue:");
    t.assert.equal(systemTokens > 200, true, `the system prompt is ${systemTokens} tokens`);
    t.assert.equal(first.header >= systemTokens, true, `the first question reused ${first.header} of ${first.prompt} tokens`);
    t.assert.equal(second.header >= systemTokens, true, `the second question reused ${second.header} of ${second.prompt} tokens`);
    t.assert.equal(second.header < second.prompt, true, "the question itself was evaluated");
    t.assert.equal(second.details.prefix_tokens_reused, second.header, "details say the same as the header");
    t.assert.equal(second.details.prompt_tokens, second.prompt);
  });

  test("a request naming an unknown adapter is refused with 400", async (t) => {
    t.plan(2);
    const res = await generate({ max_new_tokens: 4 }, "adapter=no-such-adapter");
    t.assert.equal(res.status, 400);
    t.assert.match(((await res.json()) as { error: string }).error, /no-such-adapter.*not found/);
  });

  for (const [name, body, pattern] of [
    ["a body that is not JSON", "def f():", /not JSON/],
    ["JSON without inputs", JSON.stringify({ prompt: "x" }), /"inputs"/],
    ["a max_new_tokens that is not an integer", JSON.stringify({ inputs: "x", parameters: { max_new_tokens: 1.5 } }), /max_new_tokens/],
  ] as const) {
    test(`${name} is answered 400 with a message saying what to send`, async (t) => {
      t.plan(2);
      const res = await fetch(llm.url("/invocations"), { method: "POST", body, headers: { "Content-Type": "application/json" } });
      t.assert.equal(res.status, 400);
      t.assert.match(((await res.json()) as { error: string }).error, pattern);
    });
  }
});
