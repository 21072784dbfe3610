import type { ScalableTargetRecord, ScalingPolicyRecord, ScheduledActionRecord } from "../../autoscaling/records.js";
import { keys } from "../../state/keys.js";
import type { BerthStore, ChangeEvent, Op, ReadEntry } from "../../state/records.js";
import { asRead, WatchedEntries } from "../../state/watched-entries.js";

/** A scalable target as a pass reads it: the target, its policies and its scheduled actions, in key order. */
export interface TargetConfig {
  target: ReadEntry<ScalableTargetRecord>;
  policies: ReadEntry<ScalingPolicyRecord>[];
  scheduled: ReadEntry<ScheduledActionRecord>[];
}

const configKinds = new Set(["scalable-target", "scaling-policy", "scheduled-action"]);

/**
 * Every scalable target with its policies and scheduled actions, as listed when the autoscaler starts and
 * kept by the store's watch since. Each target's pass runs every metric period, and reading these three
 * from the store each time was most of an idle pass's cost. A target not in the view, or whose commit
 * conflicted, is read from the store (`readTargetConfig`) and kept again: on etcd the watch reports a
 * commit a little after it, and a pass decided on a stale copy fails its compare-and-set rather than
 * committing, so a view behind the store costs a retry, never a wrong write.
 */
export class ScalingConfigView {
  readonly #targets = new WatchedEntries("scalable-target", asRead);
  readonly #policies = new WatchedEntries("scaling-policy", asRead, ownerOf);
  readonly #scheduled = new WatchedEntries("scheduled-action", asRead, ownerOf);
  /** Targets to read from the store at their next pass. */
  readonly #stale = new Set<string>();

  /** Lists what the watch did not see; call after watching, so nothing committed in between is missed. */
  async load(store: BerthStore): Promise<void> {
    const [targets, policies, scheduled] = await Promise.all([store.list("scalable-target"), store.list("scaling-policy"), store.list("scheduled-action")]);
    this.#targets.load(targets);
    this.#policies.load(policies);
    this.#scheduled.load(scheduled);
  }

  apply(events: readonly ChangeEvent[]): void {
    for (const event of events) {
      if (!configKinds.has(event.kind)) continue;
      this.#targets.apply(event as never);
      this.#policies.apply(event as never);
      this.#scheduled.apply(event as never);
    }
  }

  /** Every target kept, by store key. */
  targetKeys(): Iterable<string> {
    return this.#targets.kept.keys();
  }

  /** The target as kept, or undefined when the store must be read for it. */
  config(targetKey: string): TargetConfig | undefined {
    if (this.#stale.has(targetKey)) return undefined;
    const target = this.#targets.kept.get(targetKey);
    if (!target) return undefined;
    const under = keys.underTarget(target.value.resourceId, target.value.scalableDimension);
    return { target, policies: inKeyOrder(this.#policies.group(under)), scheduled: inKeyOrder(this.#scheduled.group(under)) };
  }

  /** A target read from the store: kept again, fresh. */
  keep(config: TargetConfig): void {
    this.#stale.delete(config.target.key);
    this.#targets.load([config.target]);
    this.#policies.load(config.policies);
    this.#scheduled.load(config.scheduled);
  }

  /** What a pass committed, kept at once: on etcd the watch reports it later. */
  committed(ops: readonly Op[], revision: number): void {
    for (const op of ops)
      if (op.type === "put" && configKinds.has(op.kind)) this.apply([{ type: "put", kind: op.kind, key: op.key, value: op.value, revision }]);
  }

  /** A pass's commit conflicted: its next pass reads the target from the store. */
  conflicted(targetKey: string): void {
    this.#stale.add(targetKey);
  }
}

/** A target read from the store, as the view keeps it. */
export async function readTargetConfig(store: BerthStore, targetKey: string): Promise<TargetConfig | undefined> {
  const target = await store.get("scalable-target", targetKey);
  if (!target) return undefined;
  const under = keys.underTarget(target.value.resourceId, target.value.scalableDimension);
  const [policies, scheduled] = await Promise.all([store.list("scaling-policy", { prefix: under }), store.list("scheduled-action", { prefix: under })]);
  return { target, policies, scheduled };
}

function ownerOf(entry: ReadEntry<ScalingPolicyRecord> | ReadEntry<ScheduledActionRecord>): string {
  return keys.underTarget(entry.value.resourceId, entry.value.scalableDimension);
}

function inKeyOrder<T extends { key: string }>(entries: ReadonlyMap<string, T>): T[] {
  const list = [...entries.values()];
  return list.length < 2 ? list : list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
