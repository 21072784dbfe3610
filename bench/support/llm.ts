import { performance } from "node:perf_hooks";
import { InvokeEndpointWithResponseStreamCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { request } from "undici";
import type { BerthServer } from "./berth.js";

export const llmBody = JSON.stringify({ inputs: "def fib(n):", parameters: { max_new_tokens: 128 } });

/** One streamed generation: time to the first part, and the token lines seen with the time of the last. */
export interface StreamTiming {
  ttftMs: number;
  tokens: number;
  /** Tokens after the first, per second between the first and the last token: the decode speed. */
  tokensPerSec: number;
  /** The stream's last line that is not a token (berth/llm's `{"generated_text", "details"}`). */
  final?: string;
}

/** Counts `{"token":...}` lines in a JSON-lines stream that may split lines across chunks. */
class TokenCounter {
  tokens = 0;
  firstTokenAt = NaN;
  lastTokenAt = NaN;
  final: string | undefined;
  #partial = "";
  readonly #decoder = new TextDecoder();

  push(bytes: Uint8Array, at: number): void {
    const lines = (this.#partial + this.#decoder.decode(bytes, { stream: true })).split("\n");
    this.#partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{"token"')) {
        if (line !== "") this.final = line;
        continue;
      }
      this.tokens++;
      if (this.tokens === 1) this.firstTokenAt = at;
      this.lastTokenAt = at;
    }
  }

  timing(startedAt: number, firstPartAt: number): StreamTiming {
    const span = (this.lastTokenAt - this.firstTokenAt) / 1000;
    const tokensPerSec = this.tokens > 1 && span > 0 ? (this.tokens - 1) / span : NaN;
    return { ttftMs: firstPartAt - startedAt, tokens: this.tokens, tokensPerSec, ...(this.final !== undefined && { final: this.final }) };
  }
}

/** InvokeEndpointWithResponseStream through Berth with the AWS SDK; TTFT is to the first PayloadPart. */
export async function streamThroughRouter(runtime: SageMakerRuntimeClient, endpoint: string, component: string, body = llmBody): Promise<StreamTiming> {
  const startedAt = performance.now();
  const response = await runtime.send(
    new InvokeEndpointWithResponseStreamCommand({
      EndpointName: endpoint,
      InferenceComponentName: component,
      ContentType: "application/json",
      Body: new TextEncoder().encode(body),
    }),
    { abortSignal: AbortSignal.timeout(120_000) },
  );
  const counter = new TokenCounter();
  let firstPartAt = NaN;
  for await (const event of response.Body!) {
    if (!event.PayloadPart?.Bytes) continue;
    const now = performance.now();
    if (Number.isNaN(firstPartAt)) firstPartAt = now;
    counter.push(event.PayloadPart.Bytes, now);
  }
  return counter.timing(startedAt, firstPartAt);
}

/**
 * The same through Berth without the SDK: POST …/invocations-response-stream with undici, the event
 * stream unframed here (CRCs not checked). Shows what the router adds apart from the SDK's own work.
 */
export async function streamThroughRouterRaw(berth: BerthServer, endpoint: string, component: string): Promise<StreamTiming> {
  const url = `${berth.url}/endpoints/${endpoint}/invocations-response-stream`;
  const headers = await berth.sign(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-amzn-sagemaker-inference-component": component },
    body: llmBody,
  });
  const startedAt = performance.now();
  const response = await request(url, {
    method: "POST",
    headers,
    body: llmBody,
    signal: AbortSignal.timeout(120_000),
  });
  if (response.statusCode !== 200) throw new Error(`Berth answered ${response.statusCode}: ${await response.body.text()}`);
  const counter = new TokenCounter();
  let firstPartAt = NaN;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of response.body) {
    const now = performance.now();
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    // An event-stream message: total length, headers length, prelude CRC, headers, payload, message CRC.
    while (pending.length >= 12 && pending.length >= pending.readUInt32BE(0)) {
      const total = pending.readUInt32BE(0);
      const headersLength = pending.readUInt32BE(4);
      if (Number.isNaN(firstPartAt)) firstPartAt = now;
      counter.push(pending.subarray(12 + headersLength, total - 4), now);
      pending = pending.subarray(total);
    }
  }
  return counter.timing(startedAt, firstPartAt);
}

/** The same generation straight from the copy (X-Berth-Stream: true); TTFT is to the first body chunk. */
export async function streamDirect(copyPort: number): Promise<StreamTiming> {
  const startedAt = performance.now();
  const response = await request(`http://127.0.0.1:${copyPort}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-berth-stream": "true" },
    body: llmBody,
    signal: AbortSignal.timeout(120_000),
  });
  if (response.statusCode !== 200) throw new Error(`the LLM copy answered ${response.statusCode}: ${await response.body.text()}`);
  const counter = new TokenCounter();
  let firstPartAt = NaN;
  for await (const chunk of response.body) {
    const now = performance.now();
    if (Number.isNaN(firstPartAt)) firstPartAt = now;
    counter.push(chunk as Buffer, now);
  }
  return counter.timing(startedAt, firstPartAt);
}

/** Sequential generations through the SDK, through plain HTTP and straight from the copy, taking turns. */
export async function compareLlmPaths(berth: BerthServer, options: { endpoint: string; component: string; copyPort: number; requests: number }) {
  const { endpoint, component, copyPort } = options;
  const paths = {
    router: () => streamThroughRouter(berth.runtime, endpoint, component),
    raw: () => streamThroughRouterRaw(berth, endpoint, component),
    direct: () => streamDirect(copyPort),
  };
  const timings: Record<keyof typeof paths, StreamTiming[]> = { router: [], raw: [], direct: [] };
  for (const run of Object.values(paths)) await run();
  for (let i = 0; i < options.requests; i++) {
    for (const [name, run] of Object.entries(paths) as [keyof typeof paths, () => Promise<StreamTiming>][]) timings[name].push(await run());
  }
  return timings;
}
