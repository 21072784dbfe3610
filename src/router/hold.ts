import { runtimeErrors } from "../domain/errors/runtime.js";
import type { Clock } from "../util/clock.js";
import type { RouteCopy } from "./table.js";
import type { CopyIds } from "./pick.js";

export interface HoldOptions {
  /** Longest a request waits for a copy before it fails with the no-capacity error. */
  holdMs: number;
  /** Requests one component may hold at once; more fail at once. */
  maxHeld: number;
}

interface Waiter {
  /** Hands the request a copy whose slot is already taken for it. */
  deliver: (copy: RouteCopy) => void;
  fail: (error: Error) => void;
  /** Copies this request already tried and found unreachable: it waits for another one. */
  exclude?: ReadonlySet<string>;
  gone: boolean;
}

/** One component's waiting requests, oldest first: an array with a moving head, so push and take are O(1). */
class Fifo {
  items: Waiter[] = [];
  head = 0;
  live = 0;

  /** Skips requests gone from the head; indices of the others stay put, so a dispatch can go on. */
  advance(): void {
    while (this.head < this.items.length && this.items[this.head]!.gone) this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
  }

  push(waiter: Waiter): void {
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.items.push(waiter);
    this.live++;
  }
}

/**
 * Requests waiting for a copy, one FIFO per component, not one per copy: held while the component has
 * no ready copy, or queued while every ready copy is at its limit. Whichever copy frees a slot first (a
 * request finishes, or a new copy becomes ready) takes the oldest request it may serve. Bounded per
 * component; a wait ends with the no-capacity error on expiry, or when the client goes away.
 */
export class WaitingRequests {
  readonly #options: HoldOptions;
  readonly #clock: Clock;
  readonly #queues = new Map<string, Fifo>();
  /** Requests waiting across components: the finish path looks no further while it is 0. */
  total = 0;

  constructor(options: HoldOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  held(component: string): number {
    return this.#queues.get(component)?.live ?? 0;
  }

  components(): IterableIterator<string> {
    return this.#queues.keys();
  }

  /** Resolves with a copy whose slot was taken for the request; rejects on expiry, a full queue or a gone client. */
  wait(component: string, signal: AbortSignal, options: { exclude?: ReadonlySet<string>; timeoutMs?: number; expired?: () => Error } = {}): Promise<RouteCopy> {
    let queue = this.#queues.get(component);
    if (!queue) {
      queue = new Fifo();
      this.#queues.set(component, queue);
    }
    if (queue.live >= this.#options.maxHeld) return Promise.reject(runtimeErrors.noCapacity());
    // A client gone before its request reached the queue would never hear "abort", and sit out holdMs.
    if (signal.aborted) return Promise.reject(new Error("client went away before its request was held"));
    const fifo = queue;
    return new Promise<RouteCopy>((resolve, reject) => {
      const leave = () => {
        waiter.gone = true;
        fifo.live--;
        this.total--;
        this.#clock.clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        fifo.advance();
        if (fifo.live === 0 && this.#queues.get(component) === fifo) this.#queues.delete(component);
      };
      const waiter: Waiter = {
        exclude: options.exclude,
        gone: false,
        deliver: (copy) => {
          leave();
          resolve(copy);
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      const timer = this.#clock.setTimeout(() => waiter.fail(options.expired?.() ?? runtimeErrors.noCapacity()), options.timeoutMs ?? this.#options.holdMs);
      timer.unref?.();
      const onAbort = () => waiter.fail(new Error("client went away while its request was held"));
      signal.addEventListener("abort", onAbort, { once: true });
      fifo.push(waiter);
      this.total++;
    });
  }

  /**
   * Hands waiting requests of a component, oldest first, to copies with a free slot. take(exclude)
   * returns a copy and takes one of its slots, or undefined when no copy the request may use has one.
   */
  dispatch(component: string, take: (exclude: CopyIds | undefined) => RouteCopy | undefined): void {
    const queue = this.#queues.get(component);
    if (!queue) return;
    for (let i = queue.head; i < queue.items.length && queue.live > 0; i++) {
      const waiter = queue.items[i]!;
      if (waiter.gone) continue;
      const copy = take(waiter.exclude);
      if (copy) waiter.deliver(copy);
      // Only a request that avoids some copies may be passed by a younger one.
      else if (!waiter.exclude) return;
    }
  }
}
