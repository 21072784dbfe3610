import { nameKey } from "../../domain/arn.js";
import type { CapacityHolder } from "../../autoscaling/scaling-pass.js";
import { instancesInService, loadEndpointState, readyCopiesByComponent } from "../../state/endpoint-state.js";
import { keys } from "../../state/keys.js";
import type { BerthStore, ChangeEvent } from "../../state/records.js";

/**
 * What is actually running: ready copies of a component, or instances in service of a variant. A
 * component's count comes from its endpoint's ready copies, counted once and kept until a copy or copy
 * status of that endpoint changes (the store's watch, passed to `changed`). Reading the whole endpoint
 * for each component made a pass over hundreds of autoscaled components cost the square of their number,
 * in synchronous store reads that held the router's requests up.
 */
export class ObservedCapacity {
  readonly #store: BerthStore;
  /** Ready copies by component key, by endpoint key. */
  readonly #ready = new Map<string, Map<string, number>>();
  /** Bumped by every change to copies: a count read while one happened is used once, not kept. */
  #changes = 0;

  constructor(store: BerthStore) {
    this.#store = store;
  }

  /** The store's change events, as its watch delivers them. */
  changed(events: readonly ChangeEvent[]): void {
    for (const event of events) {
      if (event.kind !== "copy" && event.kind !== "copy-status") continue;
      this.#ready.delete(keys.endpointOfChild(event.key));
      this.#changes++;
    }
  }

  /** Forgets every count: while nobody passed on the watch's events, any of them may have gone stale. */
  clear(): void {
    this.#ready.clear();
    this.#changes++;
  }

  /** The capacity running for a holder the pass has just read. */
  async of(holder: CapacityHolder): Promise<number | undefined> {
    if (holder.kind === "component") {
      const counts = await this.#readyCopies(holder.record.endpointName);
      return counts.get(nameKey(holder.record.name)) ?? 0;
    }
    const state = await loadEndpointState(this.#store, holder.record.name);
    const endpoint = state.endpoint?.value;
    if (!endpoint) return undefined;
    return instancesInService(state, holder.variant, endpoint.current);
  }

  async #readyCopies(endpointName: string): Promise<Map<string, number>> {
    const endpointKey = nameKey(endpointName);
    const kept = this.#ready.get(endpointKey);
    if (kept) return kept;
    const changesBefore = this.#changes;
    const prefix = keys.children(endpointName);
    const [copies, statuses] = await Promise.all([this.#store.list("copy", { prefix }), this.#store.list("copy-status", { prefix })]);
    const counts = readyCopiesByComponent(
      copies.map((c) => c.value),
      new Map(statuses.map((s) => [s.value.copyId, s.value])),
    );
    if (this.#changes === changesBefore) this.#ready.set(endpointKey, counts);
    return counts;
  }
}
