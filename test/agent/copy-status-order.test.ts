import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { NodeAgent } from "../../src/agent/agent.js";
import { buildCopySandbox } from "../../src/agent/sandbox-setup.js";
import { defaultConfig } from "../../src/config/config.js";
import { keys } from "../../src/state/keys.js";
import type { CopyRecord, InstanceRecord } from "../../src/domain/resources.js";
import type { BerthRecords } from "../../src/state/records.js";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { put, type Op } from "../../src/store/store.js";
import { systemClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";
import { tempDir } from "../support/temp-dir.js";
import { eventually } from "../support/wait.js";

/** A store whose write of a copy's Stopping status waits until the test lets it go, as a slow round trip to a replica would. */
class SlowStoppingStore extends SqliteStore<BerthRecords> {
  hold = false;
  release?: () => void;
  heldWritten = false;
  statusDeletes = 0;

  override async commit(ops: Op[]): Promise<number> {
    if (ops.some((op) => op.type === "delete" && op.kind === "copy-status")) this.statusDeletes++;
    const stopping = ops.some((op) => op.type === "put" && op.kind === "copy-status" && (op.value as { phase?: string }).phase === "Stopping");
    if (this.hold && stopping) {
      this.hold = false;
      await new Promise<void>((resolve) => (this.release = resolve));
      const revision = await super.commit(ops);
      this.heldWritten = true;
      return revision;
    }
    return super.commit(ops);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("an agent stopping a copy", () => {
  it("forgets the copy's status only after its Stopping status was written, so a slow write cannot bring it back", async () => {
    const dataDir = tempDir("berth-status-order-");
    const store = new SlowStoppingStore(join(dataDir, "berth.db"));
    const sandbox = await buildCopySandbox(defaultConfig.copies, dataDir, silentLogger());
    const agent = new NodeAgent({
      store,
      host: "local",
      sandbox,
      images: {},
      containers: defaultConfig.containers,
      artifacts: defaultConfig.artifacts,
      clock: systemClock,
      log: silentLogger(),
      drain: async () => undefined,
    });
    const spec = {
      version: 1,
      image: "berth/echo",
      environment: {},
      needs: { accelerators: 0, cpuMillis: 250, memoryMiB: 128 },
      strategy: "SPREAD",
      startupTimeoutSeconds: 60,
      downloadTimeoutSeconds: 60,
    };
    const instance = {
      id: "i-1",
      endpointName: "ep",
      variantName: "v",
      generation: 1,
      instanceType: "ml.g5.12xlarge",
      host: "local",
      capacity: { accelerators: 0, cpuMillis: 4000, memoryMiB: 8192 },
      devices: [],
      state: "InService",
      createdAt: 0,
    } as unknown as InstanceRecord;
    const copy = {
      id: "c-1",
      owner: { type: "component", name: "ic" },
      endpointName: "ep",
      variantName: "v",
      instanceId: "i-1",
      devices: [],
      resources: spec.needs,
      spec,
      state: "Active",
      createdAt: 0,
    } as unknown as CopyRecord;
    const key = keys.child("ep", "c-1");
    await store.commit([put("instance", keys.child("ep", "i-1"), instance), put("copy", key, copy)]);
    await agent.start();
    try {
      const ready = await eventually(
        async () => {
          const status = (await store.get("copy-status", key))?.value;
          return status?.phase === "Ready" ? status : undefined;
        },
        { what: "the copy to be Ready" },
      );
      store.hold = true;
      await store.commit([put("copy", key, { ...copy, state: "Draining" })]);
      await eventually(async () => (store.release !== undefined ? true : undefined), { what: "the Stopping status write to start" });
      // The copy stops while its Stopping status is still on the way; an agent that forgets the status now has its
      // delete overtaken by that write, and the status stays Stopping for good (the controller waits on it for ever).
      await eventually(async () => (store.statusDeletes > 0 || !alive(ready.pid!) ? true : undefined), { what: "the copy process to end" });
      store.release!();
      await eventually(async () => (store.heldWritten ? true : undefined), { what: "the Stopping status write to land" });
      let last: unknown;
      await eventually(
        async () => {
          last = (await store.get("copy-status", key))?.value;
          return last === undefined ? true : undefined;
        },
        { what: () => `the copy's status to be gone; it reads ${JSON.stringify(last)}`, timeoutMs: 10_000 },
      );
    } finally {
      await agent.stop();
      store.close();
    }
  });
});
