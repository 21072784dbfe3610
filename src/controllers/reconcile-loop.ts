import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { StorageFaultError } from "../store/storage-fault.js";

/** What a reconcile pass reports: finished, or look again after a delay (e.g. waiting on a copy to start). */
export type ReconcileResult = { requeueAfterMs?: number } | void;

export type Reconciler = (key: string) => Promise<ReconcileResult>;

export interface ReconcileLoopOptions {
  name: string;
  reconcile: Reconciler;
  clock: Clock;
  log: Logger;
  /** Retry delays after errors grow from this... */
  minBackoffMs?: number;
  /** ...to this. */
  maxBackoffMs?: number;
}

export interface LoopCounters {
  passes: number;
  errors: number;
  requeues: number;
}

/**
 * A keyed, deduplicating work queue with one worker: a key queued several times while waiting runs
 * once, and a key never runs twice at the same time. Passes are level-triggered: each re-reads the
 * world, so it does not matter which event queued it.
 */
export class ReconcileLoop {
  readonly counters: LoopCounters = { passes: 0, errors: 0, requeues: 0 };
  readonly #options: Required<ReconcileLoopOptions>;
  readonly #queue = new Set<string>();
  readonly #timers = new Map<string, { at: number; handle: TimerHandle }>();
  readonly #failures = new Map<string, number>();
  #running = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];
  #dirtyWhileRunning = new Set<string>();
  #current: string | undefined;

  constructor(options: ReconcileLoopOptions) {
    this.#options = { minBackoffMs: 100, maxBackoffMs: 10_000, ...options };
  }

  enqueue(key: string): void {
    if (this.#stopped) return;
    if (key === this.#current) this.#dirtyWhileRunning.add(key);
    else this.#queue.add(key);
    this.#pump();
  }

  enqueueAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    const { clock } = this.#options;
    const at = clock.now() + delayMs;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clock.clearTimeout(existing.handle);
    const handle = clock.setTimeout(() => {
      this.#timers.delete(key);
      this.enqueue(key);
    }, delayMs);
    handle.unref?.();
    this.#timers.set(key, { at, handle });
  }

  /** Resolves when nothing is queued or running (timers may still be pending). */
  idle(): Promise<void> {
    if (!this.#running && this.#queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue.clear();
    for (const { handle } of this.#timers.values()) this.#options.clock.clearTimeout(handle);
    this.#timers.clear();
    await this.idle();
  }

  #pump(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    const { reconcile, log, name } = this.#options;
    while (!this.#stopped && this.#queue.size > 0) {
      const key = this.#queue.values().next().value as string;
      this.#queue.delete(key);
      this.#current = key;
      this.counters.passes++;
      try {
        const result = await reconcile(key);
        this.#failures.delete(key);
        if (result && result.requeueAfterMs !== undefined) {
          this.counters.requeues++;
          this.enqueueAfter(key, result.requeueAfterMs);
        }
      } catch (error) {
        this.counters.errors++;
        const failures = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, failures);
        const delay = Math.min(this.#options.maxBackoffMs, this.#options.minBackoffMs * 2 ** (failures - 1));
        // A full or read-only data directory is logged once by the store, not at every retry.
        if (StorageFaultError.is(error)) log.debug({ controller: name, key, retryInMs: delay }, `${name}: reconciling ${key} waits for the data directory`);
        else log.warn({ err: error, controller: name, key, retryInMs: delay }, `${name}: reconciling ${key} failed; retrying`);
        this.enqueueAfter(key, delay);
      }
      this.#current = undefined;
      if (this.#dirtyWhileRunning.delete(key)) this.#queue.add(key);
      // Passes can be long runs of synchronous work (the store is synchronous SQLite); let requests in between.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#running = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
