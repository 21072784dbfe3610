import { getLlama, LlamaCompletion, type LlamaContext, type LlamaContextSequence, type LlamaModel } from "node-llama-cpp";
import { FifoLock } from "./fifo-lock.js";
import type { GenerateRequest } from "./request.js";

export interface GenerateHooks {
  /** Aborting stops generation after the current token; the result then has aborted: true. */
  signal: AbortSignal;
  onText?: (text: string) => void;
  /** A LoRA adapter GGUF to apply for this request. */
  adapterPath?: string;
  /** A session's turn: keep what the sequence holds, so the conversation's prefix is not evaluated again. */
  keepContext?: boolean;
}

export interface GenerateResult {
  text: string;
  tokens: number;
  aborted: boolean;
  queuedMs: number;
  firstTokenMs: number | undefined;
  generateMs: number;
}

export interface EngineOptions {
  contextSize: number;
}

export interface LoadTimings {
  bindingMs: number;
  modelMs: number;
  contextMs: number;
}

interface Slot {
  context: LlamaContext;
  sequence: LlamaContextSequence;
  completion: LlamaCompletion;
}

// Each adapter needs its own context (node-llama-cpp applies LoRA per context); a few MB each.
const MAX_CONTEXTS = 8;
const BASE = "";

/**
 * One model, one request at a time in arrival order (a single thread is the fast setting on a small
 * CPU, so parallel sequences would only share it). Each request starts from an empty sequence, which
 * keeps seeded and greedy outputs identical from one request to the next; a session's turn instead reuses
 * the prefix the sequence already holds (its conversation so far, unless another request came between).
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
      if (!hooks.keepContext) await slot.sequence.clearHistory();
      let tokens = 0;
      let firstTokenMs: number | undefined;
      const { response, metadata } = await slot.completion.generateCompletionWithMeta(request.inputs, {
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

  async #slot(key: string): Promise<Slot> {
    let slot = this.#slots.get(key);
    if (slot) {
      this.#slots.delete(key); // re-insert: the map's order is least recently used first
    } else {
      const context = await this.#model.createContext({
        contextSize: this.#options.contextSize,
        sequences: 1,
        threads: 1,
        ...(key === BASE ? {} : { lora: { adapters: [{ filePath: key }] } }),
      });
      const sequence = context.getSequence();
      slot = { context, sequence, completion: new LlamaCompletion({ contextSequence: sequence }) };
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
