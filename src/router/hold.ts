import { runtimeErrors } from "../domain/errors/runtime.js";
import type { Clock } from "../util/clock.js";

export interface HoldOptions {
  /** Longest a request waits for a copy before it fails with the no-capacity error. */
  holdMs: number;
  /** Requests one component may hold at once; more fail at once. */
  maxHeld: number;
}

interface Waiter {
  wake: (ready: boolean) => void;
  /** Copies this request already tried and found unreachable: only a table with another copy releases it. */
  exclude?: ReadonlySet<string>;
}

/**
 * Requests for a component with no ready copy wait here, bounded per component, until a routing table
 * with a ready copy arrives, their wait expires, or their client goes away.
 */
export class HeldRequests {
  readonly #options: HoldOptions;
  readonly #clock: Clock;
  readonly #waiting = new Map<string, Set<Waiter>>();

  constructor(options: HoldOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  held(component: string): number {
    return this.#waiting.get(component)?.size ?? 0;
  }

  /** Resolves when a copy may be ready; rejects with the documented error on expiry, a full queue or a gone client. */
  wait(component: string, signal: AbortSignal, options: { exclude?: ReadonlySet<string>; timeoutMs?: number } = {}): Promise<void> {
    let waiters = this.#waiting.get(component);
    if (!waiters) {
      waiters = new Set();
      this.#waiting.set(component, waiters);
    }
    if (waiters.size >= this.#options.maxHeld) return Promise.reject(runtimeErrors.noCapacity());
    // A client gone before its request reached the queue would never hear "abort", and sit out holdMs.
    if (signal.aborted) return Promise.reject(new Error("client went away before its request was held"));
    const queue = waiters;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        exclude: options.exclude,
        wake: (ready) => {
          this.#clock.clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          queue.delete(waiter);
          if (queue.size === 0 && this.#waiting.get(component) === queue) this.#waiting.delete(component);
          if (ready) resolve();
          else reject(signal.aborted ? new Error("client went away while its request was held") : runtimeErrors.noCapacity());
        },
      };
      const timer = this.#clock.setTimeout(() => waiter.wake(false), options.timeoutMs ?? this.#options.holdMs);
      timer.unref?.();
      const onAbort = () => waiter.wake(false);
      signal.addEventListener("abort", onAbort, { once: true });
      queue.add(waiter);
    });
  }

  /** Called with each new routing table: requests of components that now have a ready copy (one they have not tried) go on. */
  release(copiesOf: (component: string) => readonly { id: string }[]): void {
    for (const [component, waiters] of this.#waiting) {
      const copies = copiesOf(component);
      if (copies.length === 0) continue;
      for (const waiter of [...waiters]) {
        const exclude = waiter.exclude;
        if (!exclude || copies.some((copy) => !exclude.has(copy.id))) waiter.wake(true);
      }
    }
  }
}
