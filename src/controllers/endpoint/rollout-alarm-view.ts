import { keys } from "../../state/keys.js";
import { WatchedEntries } from "../../state/watched-entries.js";

/**
 * Which endpoints have a rolling update watching each CloudWatch alarm, kept from the components' change
 * events. Each change to an alarm used to list all components to find them: with hundreds of autoscaled
 * components, each with two alarms that change state as its load does, that was a read of every component
 * per alarm change.
 */
export class RolloutAlarmView extends WatchedEntries<"inference-component", { endpointKey: string; alarms: readonly string[] }> {
  constructor() {
    super("inference-component", (component) => {
      const alarms = component.rollout?.policy.alarms ?? [];
      return alarms.length > 0 ? { endpointKey: keys.endpoint(component.endpointName), alarms } : undefined;
    });
  }

  /** The endpoints whose rollouts watch this alarm. */
  endpointsWatching(alarmName: string): Set<string> {
    const endpoints = new Set<string>();
    for (const { endpointKey, alarms } of this.kept.values()) if (alarms.includes(alarmName)) endpoints.add(endpointKey);
    return endpoints;
  }
}
