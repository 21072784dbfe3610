import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RolloutAlarmView } from "../../src/controllers/endpoint/rollout-alarm-view.js";
import type { ComponentRecord } from "../../src/domain/resources.js";
import type { BerthChange, Entry } from "../../src/state/records.js";

// The endpoint controller finds the endpoints whose rolling updates watch an alarm from the components'
// events, without reading every component at each alarm change; a list read while events arrive must
// neither lose a newer rollout nor bring back a finished one.

/** The fields the view reads: the endpoint, and the alarms of a rollout under way. */
const component = (endpointName: string, alarms?: string[]) =>
  ({ endpointName, ...(alarms ? { rollout: { policy: { alarms } } } : {}) }) as unknown as ComponentRecord;
const entry = (key: string, value: ComponentRecord, modRevision: number): Pick<Entry<ComponentRecord>, "key" | "value" | "modRevision"> => ({
  key,
  value,
  modRevision,
});
const event = (type: "put" | "delete", key: string, value: ComponentRecord, revision: number): BerthChange => ({
  type,
  kind: "inference-component",
  key,
  value,
  revision,
});

describe("the rollouts' alarms as the endpoint controller keeps them", () => {
  it("finds the endpoints whose rollouts watch an alarm, and none once their rollouts end", () => {
    const view = new RolloutAlarmView();
    view.load([entry("llm", component("Chat", ["chat-errors", "chat-latency"]), 4), entry("echo", component("Tools"), 5)]);
    view.apply(event("put", "ranker", component("Search", ["chat-errors"]), 6));
    assert.deepEqual([...view.endpointsWatching("chat-errors")].sort(), ["chat", "search"]);
    assert.deepEqual([...view.endpointsWatching("chat-latency")], ["chat"]);
    assert.deepEqual([...view.endpointsWatching("TargetTracking-inference-component/echo-AlarmLow-1")], []);
    view.apply(event("put", "llm", component("Chat"), 7));
    view.apply(event("delete", "ranker", component("Search", ["chat-errors"]), 8));
    assert.deepEqual([...view.endpointsWatching("chat-errors")], []);
  });

  it("keeps the newest component whichever of the list and the watch comes first", () => {
    const view = new RolloutAlarmView();
    view.apply(event("put", "llm", component("Chat"), 9));
    view.apply(event("delete", "ranker", component("Search", ["chat-errors"]), 10));
    view.load([entry("llm", component("Chat", ["chat-errors"]), 5), entry("ranker", component("Search", ["chat-errors"]), 6)]);
    assert.deepEqual([...view.endpointsWatching("chat-errors")], [], "a rollout that ended, or a component deleted, after the list was read stays gone");
  });
});
