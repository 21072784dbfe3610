import { LlamaCompletion, type LlamaContext, type LlamaContextSequence, type Token } from "node-llama-cpp";

export interface PooledSequence {
  sequence: LlamaContextSequence;
  completion: LlamaCompletion;
  lastUsed: number;
}

/**
 * The sequences of one context, each keeping the tokens of the last prompt (and answer) it evaluated. A new
 * prompt goes to the sequence sharing its longest token prefix; the tokens after that prefix are erased, so
 * only the rest is evaluated. A short match (the beginning-of-sequence token, a common first word) does not
 * count, so it cannot overwrite a sequence holding a long prefix; a prompt with no match takes the least recently used.
 */
export class PrefixPool {
  readonly #entries: PooledSequence[] = [];
  #uses = 0;

  constructor(context: LlamaContext) {
    while (context.sequencesLeft > 0) {
      const sequence = context.getSequence();
      this.#entries.push({ sequence, completion: new LlamaCompletion({ contextSequence: sequence }), lastUsed: 0 });
    }
  }

  /** The sequence for `tokens`, aligned to their longest common prefix; reused is how many tokens it keeps. */
  async take(tokens: Token[]): Promise<{ entry: PooledSequence; reused: number }> {
    let best = this.#entries[0]!;
    let bestLength = -1;
    for (const entry of this.#entries) {
      const length = usefulMatch(entry.sequence.compareContextTokens(tokens).firstDifferentIndex, tokens.length);
      if (length > bestLength || (length === bestLength && entry.lastUsed < best.lastUsed)) {
        best = entry;
        bestLength = length;
      }
    }
    best.lastUsed = ++this.#uses;
    // The completion evaluates at least the prompt's last token (its logits give the first answer token).
    await best.sequence.adaptStateToTokens(tokens.slice(0, -1), false);
    return { entry: best, reused: best.sequence.nextTokenIndex };
  }
}

/** Like llama.cpp server's slot choice: a match counts when it is half the prompt, or long in itself. */
function usefulMatch(length: number, promptLength: number): number {
  return length * 2 >= promptLength || length >= 64 ? length : 0;
}
