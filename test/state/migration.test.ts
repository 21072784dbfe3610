import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CreateInferenceComponentCommand, DeleteEndpointCommand, DeleteInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { componentsOfEndpoint } from "../../src/state/components.js";
import { keys } from "../../src/state/keys.js";
import { currentStateVersion, migrateState } from "../../src/state/migrate.js";
import { del, put } from "../../src/state/records.js";
import { newDataDir, startBerth } from "../support/berth-process.js";
import { createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { component, indexAndComponents, newStore } from "./builders.js";
import { adapterInput, listedOn, waitUntilGone } from "./server-checks.js";

const demoAdapter = fileURLToPath(new URL("../../../models/adapters/berth-demo-lora", import.meta.url));

describe("state migration at start", () => {
  it("indexes the components of a data dir written before the index, once", async () => {
    const store = newStore();
    // Written as a Berth without the index did: component records alone.
    await store.commit(
      [component("a", "Shop"), component("b", "shop"), component("lora", "shop", "a"), component("c", "search")].map((c) =>
        put("inference-component", keys.component(c.name), c),
      ),
    );
    assert.equal(await migrateState(store), 0, "the data dir had no layout version");
    const { index, components } = await indexAndComponents(store);
    assert.equal(index.length, 4);
    assert.deepEqual(index, components);
    assert.deepEqual(
      (await componentsOfEndpoint(store, "shop")).map((c) => c.value.name),
      ["a", "b", "lora"],
    );
    assert.equal((await store.get("state-version", keys.stateVersion()))?.value.version, currentStateVersion);

    const revision = await store.revision();
    assert.equal(await migrateState(store), currentStateVersion, "a migrated data dir says so");
    assert.equal(await store.revision(), revision, "a second start writes nothing");
    await store.close();
  });

  it("records the current version in a new data dir", async () => {
    const store = newStore();
    assert.equal(await migrateState(store), 0);
    assert.equal((await store.get("state-version", keys.stateVersion()))?.value.version, currentStateVersion);
    assert.deepEqual(await indexAndComponents(store), { index: [], components: [] });
    await store.close();
  });
});

describe("a data dir from before the component index", () => {
  it("keeps working: its components are listed by endpoint and guard deletes", async () => {
    const dataDir = newDataDir();
    const first = await startBerth({ dataDir });
    const endpoint = await createIcEndpoint(first.sagemaker);
    const base = uniqueName("base");
    const adapter = uniqueName("lora");
    await first.sagemaker.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name: base, copies: 0 })));
    await first.sagemaker.send(adapterInput(adapter, endpoint, base, demoAdapter));
    await first.stop();
    // What a Berth without the index left behind: the same records, no index entries, no layout version.
    const store = newStore(join(dataDir, "berth.db"));
    const index = await store.list("endpoint-component");
    assert.equal(index.length, 2);
    await store.commit([...index.map((e) => del("endpoint-component", e.key)), del("state-version", keys.stateVersion())]);
    await store.close();

    const second = await startBerth({ dataDir });
    try {
      assert.deepEqual(await listedOn(second.sagemaker, endpoint), [adapter, base].sort());
      await assert.rejects(second.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: base })), {
        message: new RegExp(`\\(${adapter}\\)`),
      });
      await assert.rejects(second.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoint })), {
        message: /while inference components are deployed on it/,
      });
      await second.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: adapter }));
      await waitUntilGone(second.sagemaker, adapter);
      assert.deepEqual(await listedOn(second.sagemaker, endpoint), [base]);
    } finally {
      await second.stop();
    }
  });
});
