import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateEndpointCommand,
  DescribeInferenceComponentCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateInferenceComponentCommand,
} from "@aws-sdk/client-sagemaker";
import { ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createEchoModelVersions, createIcEndpoint, echoComponent, uniqueName, waitForEndpoint } from "../support/fixtures.js";
import { copyOf, invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

/** Long enough for a request to reach a draining copy, short enough to wait out in a test. */
const drainSeconds = 8;

describe("stateful sessions when their copy is stopped by an update or a scale-in", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1, sessionDrainSeconds: drainSeconds } });
  });
  after(async () => {
    await berth.stop();
  });

  const send = async (endpoint: string, component: string | undefined, sessionId: string | undefined, customAttributes?: string) => {
    const answer = await invoke(berth.runtime, endpoint, component, "{}", customAttributes, sessionId);
    return { copy: copyOf(answer.customAttributes), newSessionId: answer.newSessionId };
  };
  /** Opens sessions until one is on a copy that `wanted` accepts; the others are closed again. */
  const openOn = (endpoint: string, component: string | undefined, wanted: (copy: string) => boolean) =>
    eventually(
      async () => {
        const opened = await send(endpoint, component, "NEW_SESSION");
        const id = opened.newSessionId!.split(";")[0]!;
        if (wanted(opened.copy)) return { id, copy: opened.copy };
        await send(endpoint, component, id, "session=close");
        return undefined;
      },
      { intervalMs: 0, what: "a session on the wanted copy" },
    );
  const copiesOf = async (endpoint: string, prefix: string) =>
    (await placement(berth.url, endpoint)).flatMap((i) => i.copies).filter((c) => c.copyId.startsWith(prefix));
  const refusedAsGone = (copy: string) => (e: Error) =>
    e instanceof ValidationError && e.message.includes(`was held by model copy ${copy}, which no longer serves`);

  it("replaces the copy without sessions first, serves the session until its copy's turn, then refuses it as gone", async () => {
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.48xlarge", variant: { RoutingConfig: { RoutingStrategy: "RANDOM" } } });
    const name = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2, env: { MODEL_VERSION: "1" } }));
    // Without sessions an update replaces the newest copy first: the session is put on it.
    const session = await openOn(endpoint, name, (copy) => copy === `${name}-2`);
    await berth.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: name,
        Specification: { ...echoComponent(endpoint, { env: { MODEL_VERSION: "2" } }).Specification },
        DeploymentConfig: { RollingUpdatePolicy: { MaximumBatchSize: { Type: "COPY_COUNT", Value: 1 }, WaitIntervalInSeconds: 0 } },
      }),
    );
    // A copy without sessions drains at once and may be gone before a poll sees it Draining: an old copy
    // that is no longer Active, gone or draining, is one the update stopped.
    const stopped = await eventually(
      async () => {
        const active = new Set((await copiesOf(endpoint, `${name}-`)).filter((c) => c.state === "Active").map((c) => c.copyId));
        const old = [`${name}-1`, `${name}-2`].filter((id) => !active.has(id));
        return old.length > 0 ? old : undefined;
      },
      { what: `an old copy of ${name} to be stopped` },
    );
    assert.deepEqual(stopped, [`${name}-1`], "the copy without a session is replaced first, while the session's copy still serves");
    assert.equal((await send(endpoint, name, session.id)).copy, session.copy, "the session still reaches its copy");
    await eventually(async () => ((await copiesOf(endpoint, `${name}-2`)).some((c) => c.state === "Draining") ? true : undefined), {
      what: `${session.copy}, holding the session, to be stopped in the next batch`,
    });
    assert.equal((await send(endpoint, name, session.id)).copy, session.copy, "the stopped copy serves its session while it drains");
    await eventually(async () => ((await copiesOf(endpoint, `${name}-2`)).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: `${session.copy} to stop once the session drain limit passed`,
    });
    await assert.rejects(send(endpoint, name, session.id), refusedAsGone(session.copy));
    await eventually(
      async () =>
        (await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }))).InferenceComponentStatus === "InService"
          ? true
          : undefined,
      { timeoutMs: 60_000, what: `the update of ${name} to complete` },
    );
    const answered = await send(endpoint, name, undefined);
    assert.ok(Number(answered.copy.slice(answered.copy.lastIndexOf("-") + 1)) > 2, "new requests reach the new copies");
  });

  it("keeps sessions on a single-model endpoint: scale-in keeps their copy, an update drains it, then refuses them as gone", async () => {
    const name = uniqueName("single");
    await createEchoModelVersions(berth.sagemaker, name, [1, 2]);
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-c1` }));
    await waitForEndpoint(berth.sagemaker, name, "InService");
    // Without sessions scale-in drains the newest instance (the higher id, as both started together): the session is put there.
    const newest = (await placement(berth.url, name)).sort((a, b) => a.instanceId.localeCompare(b.instanceId)).at(-1)!;
    assert.equal(newest.copies.length, 1);
    const session = await openOn(name, undefined, (copy) => copy === newest.copies[0]!.copyId);
    for (let i = 0; i < 4; i++) assert.equal((await send(name, undefined, session.id)).copy, session.copy, `request ${i} reached the session's copy`);

    await berth.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: name, DesiredWeightsAndCapacities: [{ VariantName: "Main", DesiredInstanceCount: 1 }] }),
    );
    await eventually(async () => ((await copiesOf(name, "Main-g1-")).length === 1 ? true : undefined), {
      timeoutMs: 60_000,
      what: `${name} to be down to one copy`,
    });
    assert.deepEqual(
      (await copiesOf(name, "Main-g1-")).map((c) => c.copyId),
      [session.copy],
      "scale-in kept the copy holding the session",
    );

    await waitForEndpoint(berth.sagemaker, name, "InService");
    await berth.sagemaker.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-c2` }));
    await eventually(async () => ((await copiesOf(name, session.copy)).some((c) => c.state === "Draining") ? true : undefined), {
      timeoutMs: 60_000,
      what: `${session.copy} to be stopped by the update`,
    });
    assert.equal((await send(name, undefined, session.id)).copy, session.copy, "the stopped copy serves its session while it drains");
    await eventually(async () => ((await copiesOf(name, session.copy)).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: `${session.copy} to stop once the session drain limit passed`,
    });
    await assert.rejects(send(name, undefined, session.id), refusedAsGone(session.copy));
    assert.match((await send(name, undefined, undefined)).copy, /^Main-g2-/, "new requests reach the new configuration's copies");
  });
});
