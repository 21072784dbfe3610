import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adaptersOf, componentsOfEndpoint, createComponentOps, deleteComponentOps, findComponent } from "../../src/state/components.js";
import { loadEndpointState } from "../../src/state/endpoint-state.js";
import { StoreConflictError } from "../../src/state/records.js";
import { component, indexAndComponents, newStore } from "./builders.js";

describe("state reads: components of an endpoint", () => {
  it("finds an endpoint's components through its index, in name order, whatever the case of the names", async () => {
    const store = newStore();
    for (const record of [component("b-ic", "Shop"), component("A-ic", "shop"), component("other-ic", "shopfront"), component("c-ic", "Search")])
      await store.commit(createComponentOps(record));
    assert.deepEqual(
      (await componentsOfEndpoint(store, "SHOP")).map((c) => c.value.name),
      ["A-ic", "b-ic"],
      "only the endpoint's own components; an endpoint whose name starts the same is not mixed in",
    );
    assert.deepEqual(
      (await loadEndpointState(store, "shop")).components.map((c) => c.value.name),
      ["A-ic", "b-ic"],
    );
    assert.deepEqual(await componentsOfEndpoint(store, "nowhere"), []);
    assert.equal((await findComponent(store, "a-IC"))?.value.name, "A-ic");
    assert.equal(await findComponent(store, "missing"), undefined);
    await store.close();
  });

  it("lists a base's adapters and nothing else", async () => {
    const store = newStore();
    for (const record of [component("base", "ep"), component("other-base", "ep"), component("lora-1", "ep", "BASE"), component("lora-2", "ep", "other-base")])
      await store.commit(createComponentOps(record));
    assert.deepEqual(
      (await adaptersOf(store, { name: "Base", endpointName: "EP" })).map((c) => c.value.name),
      ["lora-1"],
    );
    assert.deepEqual(await adaptersOf(store, { name: "lora-1", endpointName: "ep" }), [], "an adapter has no adapters");
    await store.close();
  });

  it("creates and deletes a component together with its index entry, and refuses a name that is taken on any endpoint", async () => {
    const store = newStore();
    await store.commit(createComponentOps(component("ic", "one")));
    await assert.rejects(store.commit(createComponentOps(component("IC", "two"))), (error) => StoreConflictError.is(error));
    assert.deepEqual(await indexAndComponents(store), { index: ["one/ic ic"], components: ["one/ic ic"] }, "the refused create left no index entry");
    const entry = (await findComponent(store, "ic"))!;
    await store.commit(deleteComponentOps(entry));
    assert.deepEqual(await indexAndComponents(store), { index: [], components: [] });
    await store.close();
  });

  it("keeps the index exact when creates and deletes of one name race", async () => {
    const store = newStore();
    await store.commit(createComponentOps(component("raced", "one")));
    const entry = (await findComponent(store, "raced"))!;
    // A delete of what was read and creates of the same name on two endpoints, all at once: whichever
    // commits win, each component has exactly one index entry, under its own endpoint.
    await Promise.allSettled([
      store.commit(createComponentOps(component("raced", "two"))),
      store.commit(deleteComponentOps(entry)),
      store.commit(createComponentOps(component("Raced", "three"))),
      store.commit(createComponentOps(component("raced", "two"))),
    ]);
    const { index, components } = await indexAndComponents(store);
    assert.deepEqual(index, components);
    assert.ok(components.length <= 1, `one component of that name at most (${components.join(", ")})`);
    await store.close();
  });
});
