import type { Clock } from "../util/clock.js";
import type { CopyIds } from "./pick.js";
import type { RouteCopy } from "./table.js";

/**
 * Copies whose connection just failed (refused, reset, closed, gone from their host, an answer broken off
 * mid-body). For a while the router sends new requests to other copies first, as nginx does after a failure
 * (max_fails=1, fail_timeout=10s): when a copy's process dies, its idle keep-alive connections may not have
 * been seen to close yet, and a request written to one of them may have reached the copy, so it cannot be
 * sent again. A failing copy still serves when every copy left to try is failing, and one answer from it
 * clears it, as does a routing table where it is gone or shows it restarted.
 */
export class FailingCopies {
  /** Each failing copy: until when, and its restart count when it failed. */
  readonly #failing = new Map<string, { until: number; restarts: number | undefined }>();
  readonly #clock: Clock;
  readonly #forMs: number;

  constructor(clock: Clock, forMs: number) {
    this.#clock = clock;
    this.#forMs = forMs;
  }

  /** Zero on the hot path: nothing to check. */
  get size(): number {
    return this.#failing.size;
  }

  failed(copy: RouteCopy): void {
    this.#failing.set(copy.id, { until: this.#clock.now() + this.#forMs, restarts: copy.restarts });
  }

  answered(copyId: string): void {
    this.#failing.delete(copyId);
  }

  /** A new routing table's copies by id: a failing copy no longer in it, or restarted since it failed, is trusted again. */
  tableChanged(copies: ReadonlyMap<string, RouteCopy>): void {
    for (const [copyId, { restarts }] of this.#failing) {
      const copy = copies.get(copyId);
      if (!copy || copy.restarts !== restarts) this.#failing.delete(copyId);
    }
  }

  has(copyId: string): boolean {
    const failing = this.#failing.get(copyId);
    if (!failing) return false;
    if (failing.until > this.#clock.now()) return true;
    this.#failing.delete(copyId);
    return false;
  }

  /** `tried` and the failing copies together, for a pick that should avoid both. */
  orTried(tried: CopyIds | undefined): CopyIds {
    return { has: (copyId) => tried?.has(copyId) === true || this.has(copyId) };
  }
}
