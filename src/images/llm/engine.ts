import { getLlama, LlamaVocabularyType, type LlamaContext, type LlamaModel, type Token } from "node-llama-cpp";
import { FifoLock } from "./fifo-lock.js";
import { PrefixPool } from "./prefix-pool.js";
import type { GenerateRequest } from "./request.js";

export interface GenerateHooks {
  /** Aborting stops generation after the current token; the result then has aborted: true. */
  signal: AbortSignal;
  onText?: (text: string) => void;
  /** A LoRA adapter GGUF to apply for this request. */
  adapterPath?: string;
  /** Called once the prompt has its sequence, before anything is evaluated. */
  onStart?: (prompt: PromptTokens) => void;
}

export interface PromptTokens {
  /** The prompt's tokens, the beginning-of-sequence token included. */
  tokens: number;
  /** How many of them the sequence already held (a shared prefix), so were not evaluated again. */
  reused: number;
}

export interface GenerateResult {
  prompt: PromptTokens;
  text: string;
  tokens: number;
  aborted: boolean;
  queuedMs: number;
  firstTokenMs: number | undefined;
  generateMs: number;
}

export interface EngineOptions {
  contextSize: number;
  /** Sequences of the base model's context kept for prefix reuse; each holds up to contextSize tokens. */
  prefixSequences: number;
}

export interface LoadTimings {
  bindingMs: number;
  modelMs: number;
  contextMs: number;
}

interface Slot {
  context: LlamaContext;
  pool: PrefixPool;
}

// Each adapter needs its own context (node-llama-cpp applies LoRA per context); a few MB each.
const MAX_CONTEXTS = 8;
const BASE = "";

/**
 * One model, one request at a time in arrival order (a single thread is the fast setting on a small
 * CPU, so parallel sequences would only share it). A prompt is evaluated on the pooled sequence that
 * already holds its longest prefix (a shared system prompt, or a session's conversation so far), and
 * only the rest is evaluated.
 */
export class LlmEngine {
  readonly #model: LlamaModel;
  readonly #options: EngineOptions;
  readonly #lock = new FifoLock();
  readonly #slots = new Map<string, Slot>();
  readonly loadTimings: LoadTimings = { bindingMs: 0, modelMs: 0, contextMs: 0 };

  private constructor(model: LlamaModel, options: EngineOptions) {
    this.#model = model;
    this.#options = options;
  }

  static async load(modelPath: string, options: EngineOptions): Promise<LlmEngine> {
    const t0 = performance.now();
    const llama = await getLlama({ gpu: false, build: "never" });
    const t1 = performance.now();
    const model = await llama.loadModel({ modelPath });
    const t2 = performance.now();
    const engine = new LlmEngine(model, options);
    await engine.#slot(BASE); // fail at start, not on the first request
    Object.assign(engine.loadTimings, { bindingMs: t1 - t0, modelMs: t2 - t1, contextMs: performance.now() - t2 });
    return engine;
  }

  get contextSize(): number {
    return this.#options.contextSize;
  }

  countTokens(text: string): number {
    return this.#model.tokenize(text).length;
  }

  async generate(request: GenerateRequest, hooks: GenerateHooks): Promise<GenerateResult> {
    const queuedAt = performance.now();
    const release = await this.#lock.acquire(hooks.signal);
    try {
      const startedAt = performance.now();
      const slot = await this.#slot(hooks.adapterPath ?? BASE);
      const { bos, body } = this.#tokenize(request.inputs);
      const { entry, reused } = await slot.pool.take(bos === undefined ? body : [bos, ...body]);
      const prompt = { tokens: body.length + (bos === undefined ? 0 : 1), reused };
      hooks.onStart?.(prompt);
      let tokens = 0;
      let firstTokenMs: number | undefined;
      // The completion prepends the beginning-of-sequence token itself, and keeps the prefix the sequence holds.
      const { response, metadata } = await entry.completion.generateCompletionWithMeta(body, {
        maxTokens: request.maxNewTokens,
        temperature: request.temperature,
        seed: request.seed,
        topP: request.topP,
        topK: request.topK,
        signal: hooks.signal,
        stopOnAbortSignal: true,
        onToken: (chunk) => {
          if (tokens === 0) firstTokenMs = performance.now() - startedAt;
          tokens += chunk.length;
        },
        onTextChunk: hooks.onText,
      });
      return {
        prompt,
        text: response,
        tokens,
        aborted: metadata.stopReason === "abort",
        queuedMs: startedAt - queuedAt,
        firstTokenMs,
        generateMs: performance.now() - startedAt,
      };
    } finally {
      release();
    }
  }

  /** As LlamaCompletion tokenizes a completion's input (its resolveBeginningTokenToPrepend is not exported). */
  #tokenize(text: string): { bos: Token | undefined; body: Token[] } {
    const { tokens, vocabularyType } = this.#model;
    const prepends =
      vocabularyType === LlamaVocabularyType.wpm ||
      (vocabularyType !== LlamaVocabularyType.rwkv && vocabularyType !== LlamaVocabularyType.ugm && tokens.shouldPrependBosToken);
    const bos = prepends ? (tokens.bos ?? undefined) : undefined;
    return { bos, body: this.#model.tokenize(text, false, bos === undefined ? undefined : "trimLeadingSpace") };
  }

  async #slot(key: string): Promise<Slot> {
    let slot = this.#slots.get(key);
    if (slot) {
      this.#slots.delete(key); // re-insert: the map's order is least recently used first
    } else {
      const context = await this.#model.createContext({
        contextSize: this.#options.contextSize,
        // An adapter's context keeps one sequence: its KV cells cost memory for each of up to MAX_CONTEXTS contexts.
        sequences: key === BASE ? Math.max(1, this.#options.prefixSequences) : 1,
        threads: 1,
        ...(key === BASE ? {} : { lora: { adapters: [{ filePath: key }] } }),
      });
      slot = { context, pool: new PrefixPool(context) };
      if (this.#slots.size >= MAX_CONTEXTS) await this.#evictOldestAdapter();
    }
    this.#slots.set(key, slot);
    return slot;
  }

  async #evictOldestAdapter(): Promise<void> {
    for (const [key, slot] of this.#slots) {
      if (key === BASE) continue;
      this.#slots.delete(key);
      await slot.context.dispose();
      return;
    }
  }
}
