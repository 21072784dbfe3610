import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { CreateInferenceComponentCommand, DeleteEndpointCommand, DeleteInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";
import { join } from "node:path";
import { adapterInput, assertListsAgree, listedOn, waitUntilGone, waitUntilNoneDeleting } from "./server-checks.js";
import { indexAndComponents, newStore } from "./builders.js";

const demoAdapter = fileURLToPath(new URL("../../../models/adapters/berth-demo-lora", import.meta.url));

describe("components listed by endpoint", () => {
  let berth: BerthProcess;
  let one: string;
  let two: string;
  before(async () => {
    berth = await startBerth();
    [one, two] = await Promise.all([createIcEndpoint(berth.sagemaker), createIcEndpoint(berth.sagemaker)]);
  });
  after(async () => {
    await berth.stop();
  });

  it("lists each endpoint's components, adapters included, through concurrent creates and deletes", async () => {
    const sm = berth.sagemaker;
    const names = Array.from({ length: 8 }, () => uniqueName("ic"));
    await Promise.all(names.map((name, i) => sm.send(new CreateInferenceComponentCommand(echoComponent(i % 2 ? one : two, { name, copies: 0 })))));
    const adapter = uniqueName("lora");
    await sm.send(adapterInput(adapter, one, names[1]!, demoAdapter));
    let lists = await assertListsAgree(sm, [one, two]);
    assert.deepEqual(lists[one], [...names.filter((_, i) => i % 2), adapter].sort());
    assert.deepEqual(lists[two], names.filter((_, i) => i % 2 === 0).sort());

    // The same name created on both endpoints at once: one create wins, and only its endpoint lists it.
    const contested = uniqueName("ic");
    const outcomes = await Promise.allSettled(
      [one, two].map((endpoint) => sm.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name: contested, copies: 0 })))),
    );
    assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1, "exactly one of the two creates succeeds");
    lists = await assertListsAgree(sm, [one, two]);
    assert.equal([...lists[one]!, ...lists[two]!].filter((n) => n === contested).length, 1);

    await Promise.all([names[0], names[3], contested].map((name) => sm.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }))));
    await Promise.all([names[0]!, names[3]!, contested].map((name) => waitUntilGone(sm, name)));
    lists = await assertListsAgree(sm, [one, two]);
    assert.ok(!lists[one]!.includes(names[3]!) && !lists[two]!.includes(names[0]!) && ![...lists[one]!, ...lists[two]!].includes(contested));
  });

  it("keeps the lists right when a base's delete races an adapter's create, and when a deleted name is taken on another endpoint", async () => {
    const sm = berth.sagemaker;
    const base = uniqueName("base");
    await sm.send(new CreateInferenceComponentCommand(echoComponent(one, { name: base, copies: 0 })));
    const adapter = uniqueName("lora");
    const [deleted, created] = await Promise.allSettled([
      sm.send(new DeleteInferenceComponentCommand({ InferenceComponentName: base })),
      sm.send(adapterInput(adapter, one, base, demoAdapter)),
    ]);
    assert.ok((deleted.status === "fulfilled") !== (created.status === "fulfilled"), "either the delete or the adapter's create is refused");
    if (created.status === "fulfilled") {
      await sm.send(new DeleteInferenceComponentCommand({ InferenceComponentName: adapter }));
      await waitUntilGone(sm, adapter);
      await sm.send(new DeleteInferenceComponentCommand({ InferenceComponentName: base }));
    }
    // The name comes free once the controller removed the record; the create on the other endpoint then succeeds.
    await eventually(
      async () => {
        try {
          await sm.send(new CreateInferenceComponentCommand(echoComponent(two, { name: base, copies: 0 })));
          return true;
        } catch (error) {
          if (/already existing/.test((error as Error).message)) return undefined;
          throw error;
        }
      },
      { what: `the name ${base} to be free again on endpoint ${two}` },
    );
    const lists = await assertListsAgree(sm, [one, two]);
    assert.ok(lists[two]!.includes(base) && !lists[one]!.includes(base) && !lists[one]!.includes(adapter));
  });

  it("refuses to delete an endpoint while it lists components, and deletes it once they are gone", async () => {
    const sm = berth.sagemaker;
    const endpoint = await createIcEndpoint(sm);
    const name = uniqueName("ic");
    await sm.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name, copies: 0 })));
    await assert.rejects(sm.send(new DeleteEndpointCommand({ EndpointName: endpoint })), { message: new RegExp(`\\(${name}\\)`) });
    await sm.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
    await waitUntilGone(sm, name);
    assert.deepEqual(await listedOn(sm, endpoint), []);
    await sm.send(new DeleteEndpointCommand({ EndpointName: endpoint }));
  });
});

describe("the component index across kill -9", () => {
  it("never disagrees with the components after the server is killed in a burst of creates and deletes", async () => {
    const dataDir = newDataDir();
    const first = await startBerth({ dataDir });
    const endpoints = await Promise.all([createIcEndpoint(first.sagemaker), createIcEndpoint(first.sagemaker)]);
    let acknowledged = 0;
    let stop = false;
    // Each writer creates components, an adapter on some, and deletes some, until the server dies under it.
    const writer = async (id: number) => {
      for (let i = 0; !stop; i++) {
        const name = `w${id}-${i}`;
        const endpoint = endpoints[(id + i) % 2]!;
        try {
          await first.sagemaker.send(new CreateInferenceComponentCommand(echoComponent(endpoint, { name, copies: 0 })));
          if (i % 3 === 0) await first.sagemaker.send(adapterInput(`${name}-lora`, endpoint, name, demoAdapter));
          else if (i % 3 === 1) await first.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
          acknowledged++;
        } catch {
          return;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await eventually(async () => (acknowledged >= 24 ? true : undefined), { what: "the writers to make progress before the kill" });
    await first.kill();
    stop = true;
    await Promise.all(writers);

    const store = newStore(join(dataDir, "berth.db"));
    const { index, components } = await indexAndComponents(store);
    await store.close();
    assert.ok(components.length > 0, "the burst left components behind");
    assert.deepEqual(index, components, "each component has exactly one index entry, under its endpoint, and no entry is left without its component");

    const second = await startBerth({ dataDir });
    try {
      // Deletes acknowledged before the kill finish after the restart: the lists are compared once they have.
      await waitUntilNoneDeleting(second.sagemaker);
      await assertListsAgree(second.sagemaker, endpoints);
    } finally {
      await second.stop();
    }
  });
});
