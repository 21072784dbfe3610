import { runtimeErrors } from "../domain/errors/runtime.js";

/** What a budget shows in /metrics: one process's, or the router workers' together. */
export type BodyBudgetReading = Pick<BodyBudget, "used" | "limit" | "refused">;

/**
 * One byte budget, shared by every request, for the bodies the router holds in memory: request bodies
 * from the moment they are read until their answer is sent, and non-streaming answers while they are
 * gathered and written. Plain counters: taking and giving back are an add and a compare.
 */
export class BodyBudget {
  readonly limit: number;
  /** With router workers: this budget is one worker's share of the whole, for the refusals' messages. */
  readonly split?: { workers: number; wholeBytes: number };
  #used = 0;
  #refused = 0;

  constructor(limitBytes: number, split?: { workers: number; wholeBytes: number }) {
    this.limit = limitBytes;
    this.split = split;
  }

  get used(): number {
    return this.#used;
  }

  /** Requests turned away because the budget was spent. */
  get refused(): number {
    return this.#refused;
  }

  /**
   * Takes `bytes` of a body (a request's, or an answer's when `answer`) that holds `total` bytes of the
   * budget once they are taken. Returns the error to answer with when they cannot be taken, and takes
   * nothing: for good when `total` alone is over the whole budget, for now when other bodies hold the rest.
   */
  take(bytes: number, total: number, answer: boolean): Error | undefined {
    if (total > this.limit) return runtimeErrors.bodyBudgetTooSmall(this, total, answer);
    if (this.#used + bytes > this.limit) {
      this.#refused++;
      return runtimeErrors.bodyBudgetExhausted(this);
    }
    this.#used += bytes;
    return undefined;
  }

  /** True (and counted as a refusal) when the bytes could not be taken now; takes nothing either way. */
  refuses(bytes: number): boolean {
    if (this.#used + bytes <= this.limit) return false;
    this.#refused++;
    return true;
  }

  give(bytes: number): void {
    this.#used -= bytes;
  }
}
