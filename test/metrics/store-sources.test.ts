import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ComponentRecord, CopyRecord, CopyStatusRecord, InstanceRecord } from "../../src/domain/resources.js";
import { buildSnapshot } from "../../src/server/metric-sources.js";

const instance = (id: string, state: InstanceRecord["state"] = "InService") =>
  ({ id, endpointName: "EP", variantName: "AllTraffic", state, capacity: { accelerators: 4, cpuMillis: 8000, memoryMiB: 16384 } }) as InstanceRecord;
const copy = (id: string, owner: string, instanceId: string, state: CopyRecord["state"] = "Active") =>
  ({
    id,
    owner: { type: "component", name: owner },
    endpointName: "EP",
    variantName: "AllTraffic",
    instanceId,
    state,
    resources: { accelerators: 1, cpuMillis: 1000, memoryMiB: 2048 },
  }) as CopyRecord;
const status = (copyId: string, phase: CopyStatusRecord["phase"], pid?: number) => ({ copyId, phase, pid, restarts: 0, since: 0 }) as CopyStatusRecord;

describe("metric sources from the store", () => {
  const snapshot = buildSnapshot(
    [
      { name: "Chat", endpointName: "EP", variantName: "AllTraffic", status: "InService", desiredCopyCount: 3 } as ComponentRecord,
      { name: "gone", endpointName: "EP", variantName: "AllTraffic", status: "Deleting", desiredCopyCount: 2 } as ComponentRecord,
    ],
    [instance("i1"), instance("i2"), instance("i3", "Pending")],
    [copy("chat-1", "chat", "i1"), copy("chat-2", "Chat", "i2"), copy("chat-3", "Chat", "i2", "Draining"), copy("gone-1", "gone", "i1")],
    [status("chat-1", "Ready", 101), status("chat-2", "Starting", 102), status("chat-3", "Ready", 103), status("gone-1", "Ready")],
  );

  it("counts ready copies of each component by name, whatever the case, and only active ones", () => {
    assert.deepEqual(
      snapshot.components.map((c) => [c.name, c.desiredCopies, c.readyCopies]),
      [
        ["Chat", 3, 1],
        ["gone", 0, 1],
      ],
    );
  });

  it("counts a variant's instances that are past Pending", () => {
    assert.deepEqual(snapshot.variants, [{ endpointName: "EP", variantName: "AllTraffic", instances: 2 }]);
  });

  it("sums what copies reserve against what the instances offer", () => {
    assert.deepEqual(snapshot.reservations[0]!.reserved, { accelerators: 4, cpuMillis: 4000, memoryMiB: 8192 });
    assert.deepEqual(snapshot.reservations[0]!.capacity, { accelerators: 8, cpuMillis: 16000, memoryMiB: 32768 });
  });

  it("lists the processes of ready copies with a pid, named after their component", () => {
    assert.deepEqual(
      snapshot.copyProcesses.map((p) => [p.copyId, p.componentName, p.pid, p.cpuCores, p.memoryMiB]),
      [
        ["chat-1", "Chat", 101, 1, 2048],
        ["chat-3", "Chat", 103, 1, 2048],
      ],
    );
  });
});
