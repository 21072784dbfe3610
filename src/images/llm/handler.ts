import type { IncomingMessage, ServerResponse } from "node:http";
import { disconnectSignal, isStreamRequest, readBody, sendJson } from "../common/body.js";
import { parseCustomAttributes } from "../common/custom-attributes.js";
import { findAdapter } from "./adapters.js";
import type { GenerateResult, LlmEngine, PromptTokens } from "./engine.js";
import { newSessionHeader, type ChatSession, type ChatSessions } from "./sessions.js";
import { parseGenerateRequest, type GenerateRequest } from "./request.js";

export interface HandlerOptions {
  engine: LlmEngine;
  copyId: string;
  adaptersDir: string | undefined;
  sessions: ChatSessions;
}

const ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes";
const NEW = "X-Amzn-SageMaker-New-Session-Id";
const CLOSED = "X-Amzn-SageMaker-Closed-Session-Id";
const PROMPT_TOKENS = "X-Berth-Prompt-Tokens";
const REUSED = "X-Berth-Prefix-Tokens-Reused";

/** Prompt tokens since start, and how many of them came from a sequence's cache: the prefix cache's hit rate. */
interface PrefixCounter {
  tokens: number;
  reused: number;
}

/**
 * POST /invocations: TGI-shaped JSON in; `[{"generated_text": ...}]` out, or with X-Berth-Stream: true
 * one JSON line per text chunk (`{"token": {"text": ...}}`) and a final `{"generated_text", "details"}` line.
 * SessionId NEW_SESSION opens a conversation; a request with its id continues it (the model sees every earlier
 * turn); CustomAttributes session=close with its id closes it. Each answer says how many prompt tokens it had and
 * how many were reused from the cache (headers X-Berth-Prompt-Tokens and X-Berth-Prefix-Tokens-Reused, and in details).
 */
export function createLlmHandler(options: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const counter: PrefixCounter = { tokens: 0, reused: 0 };
  return (req, res) => {
    handle(req, res, options, counter).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`llm: request failed: ${message}`);
      if (!res.headersSent) sendJson(res, { status: 500, json: { error: `generation failed: ${message}` } });
      else if (!res.writableEnded) res.end(JSON.stringify({ error: `generation failed: ${message}` }) + "\n");
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HandlerOptions, counter: PrefixCounter): Promise<void> {
  const { engine } = options;
  let attributes = `copy=${options.copyId}`;
  const refuse = (error: string) => sendJson(res, { status: 400, json: { error }, headers: { [ATTRIBUTES]: attributes } });

  const body = await readBody(req);
  const sessionId = req.headers["x-amzn-sagemaker-session-id"];
  let session: ChatSession | undefined;
  const sessionHeaders: Record<string, string> = {};
  if (typeof sessionId === "string" && sessionId !== "NEW_SESSION") {
    session = options.sessions.find(sessionId);
    if (!session) return refuse(`session ${sessionId} is not open on this copy (unknown, closed or expired)`);
    if (parseCustomAttributes(req.headers["x-amzn-sagemaker-custom-attributes"]).get("session") === "close") {
      options.sessions.close(session.id);
      return sendJson(res, { status: 200, json: { closed: session.id }, headers: { [ATTRIBUTES]: attributes, [CLOSED]: session.id } });
    }
  }

  const parsed = parseGenerateRequest(body);
  if (!parsed.ok) return refuse(parsed.error);
  const turn = parsed.request.inputs;
  const request = session ? { ...parsed.request, inputs: session.transcript + turn } : parsed.request;
  if (sessionId === "NEW_SESSION") {
    session = options.sessions.open();
    if (!session) return sendJson(res, { status: 429, json: { error: `${options.sessions.maxOpen} sessions are open on this copy; close one first` } });
    sessionHeaders[NEW] = newSessionHeader(session);
  }

  let adapterPath: string | undefined;
  const adapterName = parseCustomAttributes(req.headers["x-amzn-sagemaker-custom-attributes"]).get("adapter");
  if (adapterName) {
    const found = findAdapter(options.adaptersDir, adapterName);
    if (!found.ok) return refuse(found.error);
    adapterPath = found.path;
    attributes += `,adapter=${adapterName}`;
  }

  const promptTokens = engine.countTokens(request.inputs);
  if (promptTokens + request.maxNewTokens + 1 > engine.contextSize) {
    return refuse(`inputs is ${promptTokens} tokens; with max_new_tokens ${request.maxNewTokens} that exceeds the context of ${engine.contextSize} tokens`);
  }

  const signal = disconnectSignal(res);
  const stream = isStreamRequest(req);
  const promptHeaders = (prompt: PromptTokens) => ({ [PROMPT_TOKENS]: String(prompt.tokens), [REUSED]: String(prompt.reused) });
  let result: GenerateResult;
  try {
    result = await engine.generate(request, {
      signal,
      adapterPath,
      onStart: (prompt) => {
        counter.tokens += prompt.tokens;
        counter.reused += prompt.reused;
        if (stream) res.writeHead(200, { "Content-Type": "application/jsonlines", [ATTRIBUTES]: attributes, ...sessionHeaders, ...promptHeaders(prompt) });
      },
      onText: stream ? (text) => res.write(JSON.stringify({ token: { text } }) + "\n") : undefined,
    });
  } catch (err) {
    if (signal.aborted) return console.log("llm: client went away while queued; request dropped");
    throw err;
  }
  logResult(request, result, counter);
  if (result.aborted) return;
  if (session) session.transcript = request.inputs + result.text;

  const details = {
    finish_reason: "length",
    generated_tokens: result.tokens,
    prompt_tokens: result.prompt.tokens,
    prefix_tokens_reused: result.prompt.reused,
    ...(request.seed === undefined ? {} : { seed: request.seed }),
  };
  if (stream) {
    res.end(JSON.stringify({ generated_text: result.text, details }) + "\n");
    return;
  }
  const answer = request.details ? { generated_text: result.text, details } : { generated_text: result.text };
  sendJson(res, { status: 200, json: [answer], headers: { [ATTRIBUTES]: attributes, ...sessionHeaders, ...promptHeaders(result.prompt) } });
}

function logResult(request: GenerateRequest, result: GenerateResult, counter: PrefixCounter): void {
  const ms = (n: number | undefined) => (n === undefined ? "-" : `${Math.round(n)} ms`);
  if (result.aborted) {
    console.log(`llm: generation aborted by client disconnect after ${result.tokens} of ${request.maxNewTokens} tokens (${ms(result.generateMs)})`);
    return;
  }
  const rate = result.tokens / Math.max(result.generateMs / 1000, 1e-6);
  const hitRate = counter.tokens === 0 ? 0 : (100 * counter.reused) / counter.tokens;
  console.log(
    `llm: ${result.tokens} tokens in ${ms(result.generateMs)} (queued ${ms(result.queuedMs)}, first token ${ms(result.firstTokenMs)}, ${Math.round(rate)} tok/s); ` +
      `prompt ${result.prompt.tokens} tokens, ${result.prompt.reused} reused; prefix cache ${counter.reused} of ${counter.tokens} prompt tokens reused since start (${hitRate.toFixed(1)}%)`,
  );
}
