import type { Clock, TimerHandle } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { StorageFaultError } from "../../store/storage-fault.js";
import { StoreUnavailableError } from "../../store/store.js";
import type { ControllerMetrics } from "./metrics.js";
import { yieldToLoop } from "../../util/slices.js";
import { classify, type PassOutcome } from "./outcome.js";

export type Reconciler = (key: string) => Promise<PassOutcome>;

export interface WorkQueueOptions {
  name: string;
  reconcile: Reconciler;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  /** Retry delays after errors grow from this... */
  minBackoffMs?: number;
  /** ...to this. */
  maxBackoffMs?: number;
}

/**
 * A keyed, deduplicating work queue with one worker: a key queued several times while waiting runs
 * once, and a key never runs twice at the same time. Passes are level-triggered: each re-reads the
 * world, so it does not matter which event queued it. Timers and backoff run on the injected clock.
 */
export class WorkQueue {
  readonly name: string;
  readonly #options: Required<Omit<WorkQueueOptions, "metrics">> & Pick<WorkQueueOptions, "metrics">;
  readonly #queue = new Set<string>();
  readonly #timers = new Map<string, { at: number; handle: TimerHandle }>();
  readonly #failures = new Map<string, number>();
  /** The last terminal failure of each key, so a key that keeps failing the same way is logged once. */
  readonly #terminal = new Map<string, string>();
  #running = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];
  #dirtyWhileRunning = new Set<string>();
  #current: string | undefined;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#options = { minBackoffMs: 100, maxBackoffMs: 10_000, ...options };
  }

  get stopped(): boolean {
    return this.#stopped;
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
    this.#dirtyWhileRunning.clear();
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
    while (!this.#stopped && this.#queue.size > 0) {
      const key = this.#queue.values().next().value as string;
      this.#queue.delete(key);
      this.#current = key;
      await this.#pass(key);
      this.#current = undefined;
      if (this.#dirtyWhileRunning.delete(key)) this.#queue.add(key);
      // Passes can be long runs of synchronous work (the store is synchronous SQLite); let requests in between.
      await yieldToLoop();
    }
    this.#running = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #pass(key: string): Promise<void> {
    const { reconcile, log, name, metrics } = this.#options;
    const started = performance.now();
    let outcome: PassOutcome = undefined;
    let failure: unknown;
    try {
      outcome = await reconcile(key);
    } catch (error) {
      failure = error ?? new Error("a reconcile pass threw no error object");
    }
    const result = classify(outcome, failure);
    metrics?.pass(name, result, (performance.now() - started) / 1000);
    switch (result) {
      case "done":
        this.#failures.delete(key);
        this.#terminal.delete(key);
        return;
      case "again":
        this.#failures.delete(key);
        this.#terminal.delete(key);
        this.enqueueAfter(key, outcome!.againAfterMs);
        return;
      case "conflict":
        // Something changed what the pass read: look again at once, from a fresh read.
        this.enqueue(key);
        return;
      case "terminal": {
        this.#failures.delete(key);
        const message = (failure as Error).message;
        if (this.#terminal.get(key) === message) return;
        this.#terminal.set(key, message);
        log.warn({ controller: name, key }, `${name}: ${key} cannot be reconciled until it changes: ${message}`);
        return;
      }
      case "retry": {
        const failures = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, failures);
        const delay = Math.min(this.#options.maxBackoffMs, this.#options.minBackoffMs * 2 ** (failures - 1));
        // A full or read-only data directory is logged once by the store, not at every retry.
        if (StorageFaultError.is(failure)) log.debug({ controller: name, key, retryInMs: delay }, `${name}: reconciling ${key} waits for the data directory`);
        else if (StoreUnavailableError.is(failure))
          log.debug({ controller: name, key, retryInMs: delay }, `${name}: reconciling ${key} waits for the cluster store`);
        else log.warn({ err: failure, controller: name, key, retryInMs: delay }, `${name}: reconciling ${key} failed; retrying`);
        this.enqueueAfter(key, delay);
      }
    }
  }
}
