import type { WakeRecord } from "../domain/cluster.js";
import type { Controller } from "../controllers/runtime/controllers.js";
import { done, type PassOutcome } from "../controllers/runtime/outcome.js";
import type { WorkQueue } from "../controllers/runtime/work-queue.js";
import { keys } from "../state/keys.js";
import { del, put, unchanged, type BerthStore } from "../state/records.js";
import type { Clock } from "../util/clock.js";

/** A replica that does not lead asks the leader to wake a component held at zero copies. */
export async function requestWake(store: BerthStore, componentName: string, replicaId: string, clock: Clock): Promise<void> {
  const record: WakeRecord = { componentName, replicaId, at: clock.now() };
  await store.commit([put("wake", keys.wake(componentName), record)]);
}

/**
 * Runs on the leader with the other controllers: each `wake/<component>` entry wakes the component
 * through the autoscaler, then is deleted (fenced, like every controller commit).
 */
export class WakeController implements Controller {
  readonly name = "wakes";
  readonly #store: BerthStore;
  readonly #wake: (componentName: string) => void;

  constructor(options: { store: BerthStore; wake: (componentName: string) => void }) {
    this.#store = options.store;
    this.#wake = options.wake;
  }

  async begin(queue: WorkQueue): Promise<() => void> {
    const unwatch = this.#store.watch((events) => {
      for (const event of events) if (event.kind === "wake" && event.type === "put") queue.enqueue(event.key);
    });
    for (const entry of await this.#store.list("wake")) queue.enqueue(entry.key);
    return unwatch;
  }

  async reconcile(key: string): Promise<PassOutcome> {
    const entry = await this.#store.get("wake", key);
    if (!entry) return done;
    this.#wake(entry.value.componentName);
    await this.#store.commit([del("wake", key, unchanged(entry))]);
    return done;
  }
}
