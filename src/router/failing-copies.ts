import type { Clock } from "../util/clock.js";
import type { CopyIds } from "./pick.js";
import type { RouteCopy } from "./table.js";

/**
 * Copies whose connection just failed (refused, reset, closed, gone from their host). For a while the router
 * sends new requests to other copies first, as nginx does after a failure (max_fails=1, fail_timeout=10s):
 * when a copy's process dies, its idle keep-alive connections may not have been seen to close yet, and a
 * request written to one of them may have reached the copy, so it cannot be sent again. A failing copy still
 * serves when every copy left to try is failing, and one answer from it clears it, as does a routing table
 * where it is gone or shows it restarted.
 */
export class FailingCopies {
  readonly #until = new Map<string, number>();
  /** Each failing copy's restart count when it failed. */
  readonly #restarts = new Map<string, number | undefined>();
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

  failed(copy: RouteCopy): void {
    this.#until.set(copy.id, this.#clock.now() + this.#forMs);
    this.#restarts.set(copy.id, copy.restarts);
  }

  answered(copyId: string): void {
    this.#forget(copyId);
  }

  /** A new routing table's copies by id: a failing copy no longer in it, or restarted since it failed, is trusted again. */
  tableChanged(copies: ReadonlyMap<string, RouteCopy>): void {
    for (const copyId of [...this.#until.keys()]) {
      const copy = copies.get(copyId);
      if (!copy || copy.restarts !== this.#restarts.get(copyId)) this.#forget(copyId);
    }
  }

  #forget(copyId: string): void {
    this.#until.delete(copyId);
    this.#restarts.delete(copyId);
  }

  has(copyId: string): boolean {
    const until = this.#until.get(copyId);
    if (until === undefined) return false;
    if (until > this.#clock.now()) return true;
    this.#forget(copyId);
    return false;
  }

  /** `tried` and the failing copies together, for a pick that should avoid both. */
  orTried(tried: CopyIds | undefined): CopyIds {
    return { has: (copyId) => tried?.has(copyId) === true || this.has(copyId) };
  }
}
