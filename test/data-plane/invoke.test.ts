import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointAsyncCommand, ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForEndpoint } from "../support/fixtures.js";
import { copyOf, invoke, invokeStream } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { berthFetch } from "../support/http.js";

describe("invoking models through the router", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let first: string;
  let second: string;
  before(async () => {
    berth = await startBerth({ config: { invokeTimeoutSeconds: 2 } });
    endpoint = await createIcEndpoint(berth.sagemaker, { variant: { RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" } } });
    first = await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${endpoint}-first`, accelerators: 0 }));
    second = await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${endpoint}-second`, accelerators: 0, copies: 2 }));
  });
  after(async () => {
    await berth.stop();
  });

  it("reaches each of two components on one endpoint by name", async () => {
    const a = await invoke(berth.runtime, endpoint, first, '{"to":"first"}');
    assert.equal(a.body, '{"to":"first"}');
    assert.equal(copyOf(a.customAttributes), `${first}-1`);
    assert.equal(a.variant, "AllTraffic");
    assert.equal(a.contentType, "application/json");
    const b = await invoke(berth.runtime, endpoint, second, '{"to":"second"}');
    assert.equal(b.body, '{"to":"second"}');
    assert.match(copyOf(b.customAttributes), new RegExp(`^${second}-[12]$`));
  });

  it("sends the next request to the idle copy while a slow one is in flight", async () => {
    // Only quick requests answered while the slow one is still unanswered count: on a slow machine the
    // slow one may end first, and then a new slow one goes out.
    const checked: { quick: string; busy: string }[] = [];
    await eventually(
      async () => {
        let answered = false;
        const slow = invoke(berth.runtime, endpoint, second, "slow", "latency_ms=1500").finally(() => (answered = true));
        await eventually(
          async () => {
            const text = await (await berthFetch(`${berth.url}/metrics`)).text();
            return new RegExp(`berth_in_flight_requests\\{[^}]*component="${second}"[^}]*\\} 1`).test(text) || answered ? true : undefined;
          },
          { intervalMs: 20, what: "the slow request to reach a copy" },
        );
        const quick: string[] = [];
        while (!answered) {
          const copy = copyOf((await invoke(berth.runtime, endpoint, second, `quick-${quick.length}`)).customAttributes);
          if (!answered) quick.push(copy);
        }
        const busy = copyOf((await slow).customAttributes);
        checked.push(...quick.map((q) => ({ quick: q, busy })));
        return checked.length >= 3 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 0, what: () => `three quick requests answered while a slow one was in flight (got ${checked.length})` },
    );
    assert.deepEqual(
      checked.filter((c) => c.quick === c.busy),
      [],
      "no quick request went to the copy busy with the slow one",
    );
  });

  it("streams a response as several PayloadPart events", async () => {
    // Pieces the copy writes close together may reach the router as one read; an event carries at most
    // 64 KiB, so a 200 kB answer arrives in four events or more however the pieces are read.
    const body = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(5_556);
    const streamed = await invokeStream(berth.runtime, endpoint, first, body);
    assert.ok(streamed.parts.length >= 4, `got ${streamed.parts.length} parts`);
    assert.equal(streamed.parts.join(""), body);
  });

  it("turns a container error into ModelError with the original status and message", async () => {
    await assert.rejects(
      invoke(berth.runtime, endpoint, first, "x", "status=500"),
      (e: Error & { OriginalStatusCode?: number; OriginalMessage?: string; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "ModelError");
        assert.equal(e.$metadata?.httpStatusCode, 424);
        assert.equal(e.OriginalStatusCode, 500);
        assert.ok(e.OriginalMessage && e.OriginalMessage.length > 0);
        assert.match(e.message, /^Received server error \(500\) from primary with message/);
        return true;
      },
    );
    await assert.rejects(
      invoke(berth.runtime, endpoint, first, "x", "status=404"),
      (e: Error & { OriginalStatusCode?: number }) => e.name === "ModelError" && e.OriginalStatusCode === 404 && /client error \(404\)/.test(e.message),
    );
  });

  it("answers ModelError when the container takes longer than the invocation timeout", async () => {
    await assert.rejects(invoke(berth.runtime, endpoint, first, "x", "latency_ms=5000"), (e: Error) => e.name === "ModelError" && /timed out/.test(e.message));
    const after = await invoke(berth.runtime, endpoint, first, "still fine");
    assert.equal(after.body, "still fine");
  });

  it("answers the documented ValidationError texts for a missing endpoint, header or component", async () => {
    await assert.rejects(invoke(berth.runtime, "no-such-endpoint", undefined, "x"), {
      name: "ValidationError",
      message: "Endpoint no-such-endpoint of account 000000000000 not found.",
    });
    await assert.rejects(invoke(berth.runtime, endpoint, undefined, "x"), {
      name: "ValidationError",
      message: "Inference Component Name header is required for this endpoint.",
    });
    await assert.rejects(invoke(berth.runtime, endpoint, "not-here", "x"), { name: "ValidationError", message: /not-here is not deployed on endpoint/ });
  });

  it("refuses InvokeEndpointAsync with its own text: async inference is not served", async () => {
    await assert.rejects(
      berth.runtime.send(new InvokeEndpointAsyncCommand({ EndpointName: endpoint, InputLocation: "s3://bucket/input.json", ContentType: "application/json" })),
      (error: Error) => {
        assert.ok(error instanceof ValidationError, `${error.name}: ${error.message}`);
        assert.equal(
          error.message,
          "InvokeEndpointAsync is not served: Berth does not serve asynchronous inference (endpoint configurations with AsyncInferenceConfig are refused). " +
            'Use InvokeEndpoint, or InvokeEndpointWithResponseStream for long answers. See README "The calls tools make".',
        );
        return true;
      },
    );
  });

  it("serves a single-model endpoint without a component name, and refuses one", async () => {
    const model = uniqueName("single-model");
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: "berth/echo" } }));
    const name = uniqueName("single");
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [{ VariantName: "Main", ModelName: model, InstanceType: "ml.m5.large", InitialInstanceCount: 1 }],
      }),
    );
    await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
    await waitForEndpoint(berth.sagemaker, name, "InService");
    const answer = await invoke(berth.runtime, name, undefined, "hello single");
    assert.equal(answer.body, "hello single");
    assert.equal(answer.variant, "Main");
    assert.equal(copyOf(answer.customAttributes), "Main-g1-1");
    await assert.rejects(invoke(berth.runtime, name, first, "x"), { name: "ValidationError", message: /Inference Component Name header is not allowed/ });
  });

  it("exposes per-component and per-copy metrics in Prometheus format", async () => {
    await invoke(berth.runtime, endpoint, first, "count me");
    await assert.rejects(invoke(berth.runtime, endpoint, first, "fail me", "status=500"), { name: "ModelError" });
    const text = await (await berthFetch(`${berth.url}/metrics`)).text();
    assert.match(text, new RegExp(`berth_invocations_total\\{endpoint="${endpoint}",variant="AllTraffic",component="${first}",copy="${first}-1"\\} \\d+`));
    assert.match(text, new RegExp(`berth_invocation_errors_total\\{endpoint="${endpoint}",variant="AllTraffic",component="${first}",kind="model_5xx"\\} \\d+`));
    assert.match(text, new RegExp(`berth_model_latency_seconds_count\\{endpoint="${endpoint}",variant="AllTraffic",component="${first}"\\} \\d+`));
    assert.match(text, new RegExp(`berth_copies\\{endpoint="${endpoint}",variant="AllTraffic",component="${second}",state="ready"\\} 2`));
    assert.match(text, /^berth_process_cpu_seconds_total \d/m, "the server's own process metrics");
    assert.match(text, /^berth_nodejs_heap_size_used_bytes \d/m);
    assert.doesNotMatch(text, /berth_process_process_/);
    for (const statistic of ["p50", "p99", "max"])
      assert.match(text, new RegExp(`^berth_nodejs_eventloop_lag_${statistic}_seconds \\d`, "m"), `event-loop delay (monitorEventLoopDelay), ${statistic}`);
  });
});
