import type { Clock } from "../util/clock.js";
import type { CopyIds } from "./pick.js";

/**
 * Copies whose connection just failed (refused, reset, closed, gone from their host). For a while the router
 * sends new requests to other copies first, as nginx does after a failure (max_fails=1, fail_timeout=10s):
 * when a copy's process dies, its idle keep-alive connections may not have been seen to close yet, and a
 * request written to one of them may have reached the copy, so it cannot be sent again. A failing copy still
 * serves when every copy left to try is failing, and one answer from it clears it.
 */
export class FailingCopies {
  readonly #until = new Map<string, number>();
  readonly #clock: Clock;
  readonly #forMs: number;

  constructor(clock: Clock, forMs: number) {
    this.#clock = clock;
    this.#forMs = forMs;
  }

  /** Zero on the hot path: nothing to check. */
  get size(): number {
    return this.#until.size;
  }

  failed(copyId: string): void {
    this.#until.set(copyId, this.#clock.now() + this.#forMs);
  }

  answered(copyId: string): void {
    this.#until.delete(copyId);
  }

  has(copyId: string): boolean {
    const until = this.#until.get(copyId);
    if (until === undefined) return false;
    if (until > this.#clock.now()) return true;
    this.#until.delete(copyId);
    return false;
  }

  /** `tried` and the failing copies together, for a pick that should avoid both. */
  orTried(tried: CopyIds | undefined): CopyIds {
    return { has: (copyId) => tried?.has(copyId) === true || this.has(copyId) };
  }
}
