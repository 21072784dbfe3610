import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { performance } from "node:perf_hooks";
import type { CopyRecord, InstanceRecord, RolloutState } from "../../src/domain/resources.js";
import { readSnapshot } from "../../src/console/snapshot.js";
import { keys } from "../../src/state/keys.js";
import { put, type Op } from "../../src/state/records.js";
import { component, newStore } from "../state/builders.js";

const endpoint = "fleet";

/** 100 eight-GPU instances, 50 components of 20 one-GPU copies each, every copy Ready: 1,000 copies. */
function fleetOps(): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < 100; i++) {
    const instance: InstanceRecord = {
      id: `fleet.AllTraffic.g1.${i}`,
      endpointName: endpoint,
      variantName: "AllTraffic",
      generation: 1,
      instanceType: "ml.p4d.24xlarge",
      provider: "local",
      host: "local",
      capacity: { accelerators: 8, cpuMillis: 96_000, memoryMiB: 1_061_683 },
      devices: Array.from({ length: 8 }, (_, index) => ({ index, source: "modelled" as const, name: "A100", memoryMiB: 40960 })),
      state: "InService",
      createdAt: 1,
    };
    ops.push(put("instance", keys.child(endpoint, instance.id), instance));
  }
  for (let m = 0; m < 50; m++) {
    const record = { ...component(`model-${m}`, endpoint), status: "InService" as const, desiredCopyCount: 20 };
    if (m === 0) record.rollout = { ...rolloutTo(2) };
    ops.push(put("inference-component", keys.component(record.name), record));
    for (let c = 0; c < 20; c++) {
      const n = m * 20 + c;
      const copy: CopyRecord = {
        id: `${record.name}-${c + 1}`,
        owner: { type: "component", name: record.name },
        endpointName: endpoint,
        variantName: "AllTraffic",
        instanceId: `fleet.AllTraffic.g1.${Math.floor(n / 10)}`,
        devices: [n % 8],
        resources: { accelerators: 1, cpuMillis: 8000, memoryMiB: 65536 },
        // model-0 is half way through a rollout to version 2.
        spec: { ...record.resolved, version: m === 0 && c < 10 ? 2 : 1 },
        state: "Active",
        createdAt: 1,
      };
      ops.push(put("copy", keys.child(endpoint, copy.id), copy));
      ops.push(put("copy-status", keys.child(endpoint, copy.id), { copyId: copy.id, phase: "Ready", restarts: 0, since: 1 }));
    }
  }
  return ops;
}

function rolloutTo(version: number): RolloutState {
  const spec = component("model-0", endpoint).resolved;
  return {
    policy: { kind: "rolling", batchSize: 5, rollbackBatchSize: 20, waitMs: 60_000, timeoutMs: 3_600_000, alarms: [] },
    from: spec,
    to: { ...spec, version },
    phase: "baking",
    startedAt: 1,
    targetNew: 10,
    targetOld: 10,
    peakExtra: 5,
  };
}

describe("the console's snapshot", () => {
  it("reads 100 instances and 1,000 copies with each component's ready copies and its rollout batch by batch", async () => {
    const store = newStore();
    try {
      await store.commit(fleetOps());
      const started = performance.now();
      const snapshot = await readSnapshot(store, 5);
      console.log(
        `read a snapshot of 100 instances and 1,000 copies in ${(performance.now() - started).toFixed(0)} ms (${JSON.stringify(snapshot).length} bytes)`,
      );
      assert.equal(snapshot.instances.length, 100);
      assert.equal(
        snapshot.instances.reduce((sum, i) => sum + i.copies.length, 0),
        1000,
      );
      assert.ok(snapshot.components.every((c) => c.currentCopies === 20 && c.desiredCopies === 20));
      const rolling = snapshot.components.find((c) => c.name === "model-0")!;
      assert.deepEqual(rolling.rollout, {
        kind: "rolling",
        phase: "baking",
        startedAt: 1,
        batchSize: 5,
        targetNew: 10,
        targetOld: 10,
        readyNew: 10,
        readyOld: 10,
        rollbackReason: undefined,
      });
      assert.equal(snapshot.components.filter((c) => c.rollout).length, 1);
    } finally {
      await store.close();
    }
  });
});
