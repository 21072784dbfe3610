import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { absent, del, put, StoreConflictError, StoreRequestTooLargeError, StoreUnavailableError, type ChangeEvent, type Store } from "../../src/store/store.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { eventually } from "../support/wait.js";
import { storeContract } from "./contract.js";

let prefixes = 0;
const freshPrefix = () => `/berth-test-${process.pid}-${prefixes++}/`;

for (const members of [1, 3] as const) {
  describe(`etcd store with ${members} member(s)`, () => {
    let etcd: EtcdCluster;
    const prefixOf = new WeakMap<Store, string>();
    before(async () => {
      etcd = await startEtcd({ members });
    });
    after(async () => {
      await etcd?.stop();
    });

    storeContract(`etcd, ${members} member(s)`, {
      create: async () => {
        const prefix = freshPrefix();
        const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
        prefixOf.set(store, prefix);
        return store;
      },
      reopen: async (store) => {
        await store.close();
        return EtcdStore.open({ endpoints: etcd.endpoints, prefix: prefixOf.get(store)! });
      },
    });
  });
}

describe("etcd store: leases, watch recovery and unavailability", () => {
  it("deletes a leased entry when its lease is revoked, and tells watchers with the last value", async () => {
    const etcd = await startEtcd({ members: 1 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      const seen: ChangeEvent[] = [];
      store.watch((events) => seen.push(...events));
      const lease = await store.leases.grant(5);
      await store.commit([put("agent-lease", "host-a", { agentId: "host-a" }, undefined, lease), put("agent", "host-a", { id: "host-a" })]);
      assert.equal(await store.leases.renew(lease), true);
      await store.leases.revoke(lease);
      await eventually(async () => (seen.some((e) => e.type === "delete" && e.key === "host-a") ? true : undefined), {
        what: "the leased entry's delete event",
      });
      const deleted = seen.find((e) => e.type === "delete")!;
      assert.deepEqual([deleted.kind, deleted.value], ["agent-lease", { agentId: "host-a" }]);
      assert.equal(await store.get("agent-lease", "host-a"), undefined);
      assert.ok(await store.get("agent", "host-a"), "an entry without the lease stays");
      assert.equal(await store.leases.renew(lease), false, "a revoked lease cannot be renewed");
      await store.leases.revoke(lease);
    } finally {
      await store.close();
      await etcd.stop();
    }
  });

  it("reports a commit that etcd applied and the client library sent again as applied, not as a conflict", async () => {
    // etcd3 retries a txn after a connection error even when the first attempt was applied (a leader that
    // dies after committing never answers); sending the same commit twice makes that second attempt here.
    const etcd = await startEtcd({ members: 1 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      const commit = [put("model", "m1", { name: "m1", createdAt: 1 }, absent), put("model-index", "m1", 1)];
      const revision = await store.commit(commit);
      assert.equal(await store.commit(commit), revision, "the second attempt answers the revision the first was applied at");
      await assert.rejects(
        store.commit([put("model", "m1", { name: "m1", createdAt: 2 }, absent)]),
        (e) => StoreConflictError.is(e),
        "another value is a conflict",
      );
      const lease = await store.leases.grant(30);
      await assert.rejects(
        store.commit([put("model", "m1", { name: "m1", createdAt: 1 }, absent, lease)]),
        (e) => StoreConflictError.is(e),
        "another lease is a conflict",
      );
      assert.equal(await store.revision(), revision, "nothing was written twice");
    } finally {
      await store.close();
      await etcd.stop();
    }
  });

  it("lists from its watch's mirror without asking etcd, as the watch has delivered each commit", async () => {
    const etcd = await startEtcd({ members: 1 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      const delivered: number[] = [];
      store.watch((events) => delivered.push(events[0]!.revision));
      await store.commit([put("copy", "ep/b", 2), put("copy", "ep/a", 1), put("instance", "ep/a", 3)]);
      const last = await store.commit([del("copy", "ep/b"), put("copy", "ep/c", 4)]);
      await eventually(async () => (delivered.includes(last) ? true : undefined), { what: "the watch to deliver the second commit" });
      assert.deepEqual(await store.listCached!("copy"), await store.list("copy"));
      assert.deepEqual(
        (await store.listCached!("copy", { prefix: "ep/" })).map((e) => [e.key, e.value]),
        [
          ["ep/a", 1],
          ["ep/c", 4],
        ],
      );
      // The mirror is memory: with etcd gone it still answers, where list cannot.
      await etcd.kill(0);
      assert.equal((await store.listCached!("instance")).length, 1);
      await assert.rejects(store.list("instance"), (error) => StoreUnavailableError.is(error));
    } finally {
      await store.close();
      await etcd.stop();
    }
  });

  it("lets a lease expire when nobody renews it", async () => {
    const etcd = await startEtcd({ members: 1 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      const lease = await store.leases.grant(1);
      await store.commit([put("replica", "r1", { id: "r1" }, undefined, lease)]);
      await eventually(async () => ((await store.get("replica", "r1")) === undefined ? true : undefined), { what: "the unrenewed lease to expire" });
      assert.equal(await store.leases.renew(lease), false);
    } finally {
      await store.close();
      await etcd.stop();
    }
  });

  it("after its revision was compacted away, the watcher lists again and reports what changed meanwhile", async () => {
    const etcd = await startEtcd({ members: 3 });
    const prefix = freshPrefix();
    // The watching store talks to member 0 only; the writer to the other two, which keep a quorum.
    const watching = await EtcdStore.open({ endpoints: [etcd.endpoints[0]!], prefix });
    const writer = await EtcdStore.open({ endpoints: etcd.endpoints.slice(1), prefix });
    try {
      await writer.commit([put("model", "kept", 1), put("model", "removed", { last: true })]);
      const seen: ChangeEvent[] = [];
      watching.watch((events) => seen.push(...events));
      await eventually(async () => ((await watching.get("model", "removed")) ? true : undefined), { what: "the watching store to see the first commit" });
      await etcd.kill(0);
      await writer.commit([del("model", "removed")]);
      await writer.commit([put("model", "added", 2)]);
      for (let i = 0; i < 5; i++) await writer.commit([put("model", "kept", 10 + i)]);
      await compact(etcd.endpoints.slice(1), await writer.revision());
      await etcd.restart(0);
      await eventually(
        async () =>
          seen.some((e) => e.type === "put" && e.key === "added") && seen.some((e) => e.type === "delete" && e.key === "removed") ? true : undefined,
        { timeoutMs: 30_000, what: () => `the watcher to report the changes made while it was away; saw ${JSON.stringify(seen)}` },
      );
      assert.deepEqual(seen.find((e) => e.type === "delete" && e.key === "removed")!.value, { last: true });
      const kept = seen.filter((e) => e.key === "kept").at(-1)!;
      assert.equal(kept.value, 14);
      // And it goes on watching from the new revision.
      await writer.commit([put("model", "after", 3)]);
      await eventually(async () => (seen.some((e) => e.key === "after") ? true : undefined), { what: "the watcher to go on after re-listing" });
    } finally {
      await watching.close();
      await writer.close();
      await etcd.stop();
    }
  });

  it("keeps serving when one of three members dies", async () => {
    const etcd = await startEtcd({ members: 3 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      const seen: ChangeEvent[] = [];
      store.watch((events) => seen.push(...events));
      await store.commit([put("model", "a", 1)]);
      await etcd.kill(1);
      for (let i = 0; i < 20; i++) await store.commit([put("model", `k${i}`, i)]);
      assert.equal((await store.list("model")).length, 21);
      await eventually(async () => (seen.filter((e) => e.kind === "model").length === 21 ? true : undefined), { what: "every commit to reach the watcher" });
    } finally {
      await store.close();
      await etcd.stop();
    }
  });

  it("answers StoreUnavailableError while etcd is down, and works again when it returns", async () => {
    const etcd = await startEtcd({ members: 1 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      await store.commit([put("model", "a", 1)]);
      await etcd.kill(0);
      await assert.rejects(store.commit([put("model", "b", 2)]), (error) => StoreUnavailableError.is(error) && /retry it/.test((error as Error).message));
      await assert.rejects(store.get("model", "a"), (error) => StoreUnavailableError.is(error));
      await etcd.restart(0);
      await eventually(async () => (await store.commit([put("model", "c", 3)])) > 0 || undefined, { what: "writes to work again once etcd is back" });
      assert.equal((await store.get("model", "a"))?.value, 1);
    } finally {
      await store.close();
      await etcd.stop();
    }
  });

  it("refuses to open with a plain message when no member answers", async () => {
    await assert.rejects(
      EtcdStore.open({ endpoints: ["127.0.0.1:1"], prefix: freshPrefix() }),
      (error) => StoreUnavailableError.is(error) && /127\.0\.0\.1:1/.test((error as Error).message),
    );
  });
});

async function compact(endpoints: string[], revision: number): Promise<void> {
  const { Etcd3 } = await import("etcd3");
  const client = new Etcd3({ hosts: endpoints.map((e) => `http://${e}`) });
  try {
    await client.kv.compact({ revision, physical: true });
  } finally {
    client.close();
  }
}

describe("etcd store: sizes", () => {
  it("opens, lists and watches a prefix holding more than gRPC's default 4 MiB message", async () => {
    const etcd = await startEtcd({ members: 1 });
    const prefix = freshPrefix();
    const writer = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
    const watcher = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
    try {
      // Six records of 1 MiB each: every one fits etcd's 1.5 MiB request limit; together they pass 4 MiB.
      const big = "x".repeat(1024 * 1024);
      for (let i = 0; i < 6; i++) await writer.commit([put("model", `m${i}`, { name: `m${i}`, big })]);
      assert.equal((await writer.list("model")).length, 6);
      const reopened = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
      try {
        assert.equal((await reopened.listCached!("model")).length, 6, "a replica starting now loads every record");
      } finally {
        await reopened.close();
      }
      await eventually(async () => ((await watcher.listCached!("model")).length === 6 ? true : undefined), { what: "the watch to deliver every record" });
    } finally {
      await watcher.close();
      await writer.close();
      await etcd.stop();
    }
  });

  it("refuses a commit larger than etcd takes with StoreRequestTooLargeError, writing nothing", async () => {
    const etcd = await startEtcd({ members: 1 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: freshPrefix() });
    try {
      const before = await store.revision();
      // Over --max-request-bytes etcd answers "request is too large"; past gRPC's limit above it, RESOURCE_EXHAUSTED.
      for (const bytes of [1.6 * 1024 * 1024, 2.5 * 1024 * 1024]) {
        await assert.rejects(
          store.commit([put("model", "huge", { big: "x".repeat(bytes) })]),
          (e) => StoreRequestTooLargeError.is(e) && /--max-request-bytes/.test((e as Error).message),
        );
        assert.equal(await store.get("model", "huge"), undefined);
      }
      assert.equal(await store.revision(), before);
      // Not taken for a failing member: the next call goes through at once, with no circuit breaker open.
      await store.commit([put("model", "small", { ok: true })]);
      assert.ok(await store.get("model", "small"), "the store takes the next write");
    } finally {
      await store.close();
      await etcd.stop();
    }
  });
});
