import { existsSync } from "node:fs";
import { join } from "node:path";
import { readContainerEnv, readInteger } from "../common/env.js";
import { ensureDefaultModel } from "./default-model.js";

export interface LlmConfig {
  port: number;
  copyId: string;
  contextSize: number;
  /** Life of a stateful session, announced in its Expires=. */
  sessionTtlSeconds: number;
  maxSessions: number;
  /** Sequences kept for prefix reuse; KV memory is this times contextSize tokens. */
  prefixSequences: number;
}

export interface ModelFiles {
  modelPath: string;
  /** LoRA adapters live in <adaptersDir>/<name>/adapter.gguf; undefined means requests may not name one. */
  adaptersDir: string | undefined;
}

export function readLlmConfig(env: NodeJS.ProcessEnv = process.env): LlmConfig {
  const { port, copyId } = readContainerEnv(env);
  return {
    port,
    copyId,
    contextSize: readInteger(env, "BERTH_LLM_CONTEXT_SIZE", 1024),
    sessionTtlSeconds: readInteger(env, "BERTH_LLM_SESSION_TTL_SECONDS", 1200),
    maxSessions: readInteger(env, "BERTH_LLM_MAX_SESSIONS", 64),
    prefixSequences: readInteger(env, "BERTH_LLM_PREFIX_SEQUENCES", 4),
  };
}

/**
 * The model is BERTH_LLM_MODEL if set, else <BERTH_MODEL_DIR>/model.gguf if present, else the project's
 * generated default (built on first use). Adapters come from BERTH_ADAPTERS_DIR, or beside the default model.
 */
export async function resolveModelFiles(env: NodeJS.ProcessEnv = process.env): Promise<ModelFiles> {
  const adaptersDir = env.BERTH_ADAPTERS_DIR || undefined;
  if (env.BERTH_LLM_MODEL) return { modelPath: env.BERTH_LLM_MODEL, adaptersDir };
  const { modelDir } = readContainerEnv(env);
  const fromDir = modelDir === undefined ? undefined : join(modelDir, "model.gguf");
  if (fromDir !== undefined && existsSync(fromDir)) return { modelPath: fromDir, adaptersDir };
  const fallback = await ensureDefaultModel();
  return { modelPath: fallback.modelPath, adaptersDir: adaptersDir ?? fallback.adaptersDir };
}
