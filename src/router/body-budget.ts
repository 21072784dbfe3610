/**
 * One byte budget, shared by every request, for the bodies the router holds in memory: request bodies
 * from the moment they are read until their answer is sent, and non-streaming answers while they are
 * gathered and written. Plain counters: taking and giving back are an add and a compare.
 */
/** What a budget shows in /metrics: one process's, or the router workers' together. */
export type BodyBudgetReading = Pick<BodyBudget, "used" | "limit" | "refused">;

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

  /** Takes the bytes if they fit; false (and nothing taken) if they do not. */
  tryTake(bytes: number): boolean {
    if (this.#used + bytes > this.limit) {
      this.#refused++;
      return false;
    }
    this.#used += bytes;
    return true;
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
