import type { Registry } from "prom-client";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import { ControllerMetrics } from "./metrics.js";
import type { PassOutcome } from "./outcome.js";
import { WorkQueue } from "./work-queue.js";

/** One controller as the runtime runs it: a keyed pass, and what queues its keys. */
export interface Controller {
  readonly name: string;
  reconcile(key: string): Promise<PassOutcome>;
  /**
   * Called on start with the controller's queue: queue every key that needs a look and subscribe to
   * what queues more. Returns what to undo on stop.
   */
  begin(queue: WorkQueue): Promise<() => void>;
}

export interface ControllersOptions {
  clock: Clock;
  log: Logger;
  /** Where the pass counters and durations are registered (the registry behind GET /metrics). */
  registry?: Registry;
}

/**
 * Every controller of the server, started and stopped as one unit: only a started unit writes
 * controller decisions. The API keeps accepting writes while it is stopped; the controllers catch up
 * when it starts, since every pass is level-triggered.
 */
export class Controllers {
  readonly #options: ControllersOptions;
  readonly #controllers: Controller[];
  readonly #metrics: ControllerMetrics;
  #running?: { queues: WorkQueue[]; undo: (() => void)[] };

  constructor(options: ControllersOptions, controllers: Controller[]) {
    this.#options = options;
    this.#controllers = controllers;
    this.#metrics = new ControllerMetrics(options.registry);
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const running: { queues: WorkQueue[]; undo: (() => void)[] } = { queues: [], undo: [] };
    this.#running = running;
    for (const controller of this.#controllers) {
      const queue = new WorkQueue({
        name: controller.name,
        reconcile: (key) => controller.reconcile(key),
        clock: this.#options.clock,
        log: this.#options.log.child({ controller: controller.name }),
        metrics: this.#metrics,
      });
      running.queues.push(queue);
      running.undo.push(await controller.begin(queue));
    }
  }

  async stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    for (const undo of running.undo) undo();
    await Promise.all(running.queues.map((queue) => queue.stop()));
  }

  /** Resolves once no controller has work queued or running (timers may still be pending). */
  async idle(): Promise<void> {
    for (const queue of this.#running?.queues ?? []) await queue.idle();
  }
}
