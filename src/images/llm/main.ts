// berth/llm: a small LLM on CPU (node-llama-cpp) behind the SageMaker container contract.
// Run: node dist/src/images/llm/main.js serve
// Env: SAGEMAKER_BIND_TO_PORT, BERTH_COPY_ID, BERTH_LLM_MODEL or BERTH_MODEL_DIR (model.gguf), BERTH_ADAPTERS_DIR,
// BERTH_LLM_CONTEXT_SIZE (default 1024), BERTH_LLM_SESSION_TTL_SECONDS (1200), BERTH_LLM_MAX_SESSIONS (64),
// BERTH_LLM_PREFIX_SEQUENCES (4: sequences that keep their prompts' tokens, so a shared prefix is not evaluated again).
// Without a model it builds and serves models/berth-tiny-coder.gguf.
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "../common/body.js";
import { requireServeCommand } from "../common/cli.js";
import { serve } from "../common/serve.js";
import { readLlmConfig, resolveModelFiles } from "./config.js";
import { LlmEngine } from "./engine.js";
import { createLlmHandler } from "./handler.js";
import { ChatSessions } from "./sessions.js";

requireServeCommand("llm");
const config = readLlmConfig();
let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

// Listen first, so /ping answers 503 (not "connection refused") while the model is built or loaded.
serve({
  name: "llm",
  port: config.port,
  isReady: () => handler !== undefined,
  invoke: (req, res) => {
    if (handler) return handler(req, res);
    req.resume();
    sendJson(res, { status: 503, json: { error: "model is still loading; wait for GET /ping to answer 200" } });
  },
});

try {
  const files = await resolveModelFiles();
  const started = performance.now();
  const engine = await LlmEngine.load(files.modelPath, { contextSize: config.contextSize, prefixSequences: config.prefixSequences });
  const sessions = new ChatSessions(config.sessionTtlSeconds, config.maxSessions);
  handler = createLlmHandler({ engine, copyId: config.copyId, adaptersDir: files.adaptersDir, sessions });
  const { bindingMs, modelMs, contextMs } = engine.loadTimings;
  console.log(
    `llm: model ${files.modelPath} loaded in ${Math.round(performance.now() - started)} ms ` +
      `(binding ${Math.round(bindingMs)} ms, weights ${Math.round(modelMs)} ms, context of ${config.contextSize} tokens ${Math.round(contextMs)} ms)`,
  );
} catch (err) {
  console.error(`llm: cannot start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
