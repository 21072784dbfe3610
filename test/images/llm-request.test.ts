import { describe, test } from "node:test";
import { FifoLock } from "../../src/images/llm/fifo-lock.js";
import { parseGenerateRequest, type GenerateRequest } from "../../src/images/llm/request.js";

const parse = (json: unknown) => parseGenerateRequest(Buffer.from(JSON.stringify(json)), () => 777);

describe("parseGenerateRequest", () => {
  const accepted: Array<[string, unknown, Partial<GenerateRequest>]> = [
    ["inputs alone gets 32 greedy tokens", { inputs: "x" }, { maxNewTokens: 32, temperature: 0, seed: undefined }],
    ["max_new_tokens above 512 is capped at 512", { inputs: "x", parameters: { max_new_tokens: 4000 } }, { maxNewTokens: 512 }],
    ["sampling without a seed draws one", { inputs: "x", parameters: { temperature: 0.5 } }, { seed: 777 }],
    ["sampling keeps the given seed", { inputs: "x", parameters: { temperature: 0.5, seed: 3 } }, { seed: 3 }],
    ["greedy ignores a seed", { inputs: "x", parameters: { seed: 3 } }, { seed: undefined }],
    ["null parameters count as absent", { inputs: "x", parameters: { top_p: null } }, { topP: undefined }],
  ];
  for (const [name, json, expected] of accepted) {
    test(name, (t) => {
      t.plan(1);
      const result = parse(json);
      t.assert.deepEqual(result.ok && pick(result.request, Object.keys(expected)), expected);
    });
  }

  const refused: Array<[string, unknown, RegExp]> = [
    ["a number as inputs is refused", { inputs: 5 }, /"inputs" as a string/],
    ["an array as parameters is refused", { inputs: "x", parameters: [] }, /"parameters" must be an object/],
    ["a zero max_new_tokens is refused", { inputs: "x", parameters: { max_new_tokens: 0 } }, /max_new_tokens must be an integer >= 1, got 0/],
    ["a negative temperature is refused", { inputs: "x", parameters: { temperature: -1 } }, /temperature must be a number >= 0/],
    ["a top_p above 1 is refused", { inputs: "x", parameters: { top_p: 1.5 } }, /top_p must be a number between 0 and 1/],
    ["a string seed is refused", { inputs: "x", parameters: { temperature: 1, seed: "7" } }, /seed must be an integer/],
  ];
  for (const [name, json, pattern] of refused) {
    test(name, (t) => {
      t.plan(1);
      const result = parse(json);
      t.assert.match(result.ok ? "accepted" : result.error, pattern);
    });
  }
});

describe("FifoLock", () => {
  test("grants in arrival order and skips a waiter whose signal aborted", async (t) => {
    t.plan(2);
    const lock = new FifoLock();
    const order: string[] = [];
    const release = await lock.acquire();
    const gaveUp = new AbortController();
    const second = lock.acquire(gaveUp.signal).then(
      () => order.push("second"),
      () => order.push("second gave up"),
    );
    const third = lock.acquire().then((done) => {
      order.push("third");
      done();
    });
    gaveUp.abort(new Error("client left"));
    release();
    await Promise.all([second, third]);
    t.assert.deepEqual(order, ["second gave up", "third"]);
    t.assert.equal(lock.waiting, 0);
  });
});

function pick(request: GenerateRequest, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, request[key as keyof GenerateRequest]]));
}
