import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { absent, check, del, put, StoreConflictError, unchanged, type ChangeEvent, type Store } from "../../src/store/store.js";
import { eventually } from "../support/wait.js";

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<Store>;
  /** The same store reopened after close (persistence). */
  reopen?(store: Store): Promise<Store>;
}

/** Every Store backend passes this suite; a new backend adds one file that calls it. */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    it("reads back what was put, with create and mod revisions", async () => {
      const store = await factory.create();
      const rev = await store.commit([put("model", "a", { n: 1 })]);
      const entry = await store.get("model", "a");
      assert.deepEqual(entry?.value, { n: 1 });
      assert.equal(entry?.createRevision, rev);
      assert.equal(entry?.modRevision, rev);
      const rev2 = await store.commit([put("model", "a", { n: 2 })]);
      const updated = await store.get("model", "a");
      assert.equal(updated?.createRevision, rev);
      assert.equal(updated?.modRevision, rev2);
      assert.ok(rev2 > rev);
      assert.equal(await store.revision(), rev2);
      await store.close();
    });

    it("keeps kinds apart and lists a kind by key prefix in key order", async () => {
      const store = await factory.create();
      await store.commit([put("copy", "ep1/b", 2), put("copy", "ep1/a", 1), put("copy", "ep2/a", 3), put("instance", "ep1/a", 4)]);
      assert.deepEqual(
        (await store.list("copy", { prefix: "ep1/" })).map((e) => e.key),
        ["ep1/a", "ep1/b"],
      );
      assert.deepEqual(
        (await store.list("copy")).map((e) => e.value),
        [1, 2, 3],
      );
      assert.equal((await store.get("instance", "ep1/a"))?.value, 4);
      assert.equal(await store.get("model", "ep1/a"), undefined);
      await store.close();
    });

    it("applies every op of a commit or none when an expectation fails", async () => {
      const store = await factory.create();
      await store.commit([put("model", "a", 1)]);
      const before = await store.revision();
      await assert.rejects(store.commit([put("model", "b", 2), put("model", "a", 3, absent)]), (e) => StoreConflictError.is(e));
      assert.equal(await store.get("model", "b"), undefined);
      assert.equal((await store.get("model", "a"))?.value, 1);
      assert.equal(await store.revision(), before);
      await store.close();
    });

    it("supports compare-and-set on the mod revision, presence checks and conditional deletes", async () => {
      const store = await factory.create();
      await store.commit([put("model", "a", 1)]);
      const entry = (await store.get("model", "a"))!;
      await store.commit([put("model", "a", 2, unchanged(entry))]);
      await assert.rejects(store.commit([put("model", "a", 3, unchanged(entry))]), (e) => StoreConflictError.is(e));
      await assert.rejects(store.commit([check("model", "missing", { present: true }), put("model", "z", 1)]), (e) => StoreConflictError.is(e));
      await assert.rejects(store.commit([del("model", "a", unchanged(entry))]), (e) => StoreConflictError.is(e));
      const fresh = (await store.get("model", "a"))!;
      await store.commit([del("model", "a", unchanged(fresh))]);
      assert.equal(await store.get("model", "a"), undefined);
      await store.commit([del("model", "never-there")]);
      await store.close();
    });

    it("tells watchers about each commit's changes in order, with the deleted value", async () => {
      const store = await factory.create();
      const seen: ChangeEvent[][] = [];
      const stop = store.watch((events) => seen.push(events));
      const r1 = await store.commit([put("model", "a", 1), put("model", "b", 2)]);
      const r2 = await store.commit([del("model", "a")]);
      await eventually(async () => (seen.length >= 2 ? true : undefined), { what: "the watcher to see both commits" });
      assert.deepEqual(
        seen[0]!.map((e) => [e.type, e.key, e.value, e.revision]),
        [
          ["put", "a", 1, r1],
          ["put", "b", 2, r1],
        ],
      );
      assert.deepEqual(
        seen[1]!.map((e) => [e.type, e.key, e.value, e.revision]),
        [["delete", "a", 1, r2]],
      );
      stop();
      // A watcher that stays on sees the next commit: by then the one that left would have seen it too.
      const witness: ChangeEvent[][] = [];
      const stopWitness = store.watch((events) => witness.push(events));
      await store.commit([put("model", "c", 3)]);
      await eventually(async () => (witness.length >= 1 ? true : undefined), { what: "the remaining watcher to see the commit" });
      stopWitness();
      assert.equal(seen.length, 2, "no events after unwatch");
      await store.close();
    });

    it("refuses conflicting concurrent creates of one key: exactly one wins", async () => {
      const store = await factory.create();
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.commit([put("endpoint", "same", i, absent)])));
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      await store.close();
    });

    if (factory.reopen) {
      it("keeps committed state across close and reopen", async () => {
        const store = await factory.create();
        await store.commit([put("model", "a", { deep: { list: [1, 2] } })]);
        const revision = await store.revision();
        const reopened = await factory.reopen!(store);
        assert.deepEqual((await reopened.get("model", "a"))?.value, { deep: { list: [1, 2] } });
        assert.equal(await reopened.revision(), revision);
        await reopened.close();
      });
    }
  });
}
