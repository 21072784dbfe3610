import type { ComponentRecord } from "../../domain/resources.js";
import { keys } from "../../state/keys.js";
import type { BerthChange, Entry } from "../../state/records.js";

/**
 * Which endpoints have a rolling update watching each CloudWatch alarm, kept from the components' change
 * events (as HostArtifactsView is). Each change to an alarm used to list all components to find them:
 * with hundreds of autoscaled components, each with two alarms that change state as its load does, that
 * was a read of every component per alarm change.
 */
export class RolloutAlarmView {
  /** Per component key, its endpoint's key and the alarms its rollout watches (components with none are absent). */
  readonly #watching = new Map<string, { endpointKey: string; alarms: readonly string[] }>();
  /** The revision each component's entry was last changed at; kept after a delete, so a late list does not bring it back. */
  readonly #revisions = new Map<string, number>();

  /** Entries as a list read them. */
  load(entries: readonly Entry<ComponentRecord>[]): void {
    for (const entry of entries) this.#set(entry.key, entry.value, entry.modRevision);
  }

  apply(change: BerthChange): void {
    if (change.kind !== "inference-component") return;
    this.#set(change.key, change.type === "put" ? change.value : undefined, change.revision);
  }

  /** The endpoints whose rollouts watch this alarm. */
  endpointsWatching(alarmName: string): Set<string> {
    const endpoints = new Set<string>();
    for (const { endpointKey, alarms } of this.#watching.values()) if (alarms.includes(alarmName)) endpoints.add(endpointKey);
    return endpoints;
  }

  #set(componentKey: string, value: ComponentRecord | undefined, revision: number): void {
    if ((this.#revisions.get(componentKey) ?? -1) >= revision) return;
    this.#revisions.set(componentKey, revision);
    const alarms = value?.rollout?.policy.alarms ?? [];
    if (alarms.length > 0) this.#watching.set(componentKey, { endpointKey: keys.endpoint(value!.endpointName), alarms });
    else this.#watching.delete(componentKey);
  }
}
