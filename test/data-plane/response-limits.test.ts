import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InvokeEndpointWithResponseStreamCommand } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { berthFetch } from "../support/http.js";
import { eventually } from "../support/wait.js";

const sixMB = 6 * 1024 * 1024;

describe("the limits on a model's answer", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let echo: string;
  before(async () => {
    berth = await startBerth();
    endpoint = await createIcEndpoint(berth.sagemaker);
    echo = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
  });
  after(async () => {
    await berth.stop();
  });

  it("returns an answer of exactly 6 MB whole, and answers ModelError for one byte more", async () => {
    const full = await invoke(berth.runtime, endpoint, echo, "x", `respond_bytes=${sixMB}`);
    assert.equal(full.body.length, sixMB);
    await assert.rejects(invoke(berth.runtime, endpoint, echo, "x", `respond_bytes=${sixMB + 1}`), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "ModelError");
      assert.equal(e.$metadata?.httpStatusCode, 424);
      assert.match(e.message, /The model's response is larger than 6291456 bytes, the most InvokeEndpoint returns/);
      assert.match(e.message, /InvokeEndpointWithResponseStream/);
      return true;
    });
  });

  it("turns an answer cut off after its headers into ModelError instead of a truncated 200", async () => {
    const cutMessage = /closed its connection before its response was complete/;
    await assert.rejects(
      invoke(berth.runtime, endpoint, echo, "a body the model will not finish sending", "cut_after_headers=1"),
      (e: Error) => e.name === "ModelError" && cutMessage.test(e.message),
    );
    await assert.rejects(
      invoke(berth.runtime, endpoint, echo, "x", "respond_bytes=3000000,cut_after_headers=1"),
      (e: Error) => e.name === "ModelError" && cutMessage.test(e.message),
    );
    assert.equal((await invoke(berth.runtime, endpoint, echo, "whole again")).body, "whole again", "the next answer arrives whole");
  });

  it("answers ModelError naming the model's oversized headers, and keeps the copy in service", async () => {
    await assert.rejects(invoke(berth.runtime, endpoint, echo, "x", "header_bytes=100000"), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "ModelError");
      assert.equal(e.$metadata?.httpStatusCode, 424);
      assert.match(e.message, /The model container answered with response headers larger than \d+ bytes, the most Berth reads/);
      assert.match(e.message, /Return smaller headers/);
      return true;
    });
    assert.equal((await invoke(berth.runtime, endpoint, echo, "fine")).body, "fine", "the copy still serves");
  });

  it("streams an answer larger than 6 MB whole, in events of at most 64 KiB", async () => {
    const total = 8_000_000;
    const response = await berth.runtime.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: endpoint,
        InferenceComponentName: echo,
        Body: Buffer.from("x"),
        ContentType: "text/plain",
        CustomAttributes: `respond_bytes=${total}`,
      }),
    );
    let received = 0;
    let largest = 0;
    for await (const event of response.Body!) {
      const bytes = event.PayloadPart?.Bytes;
      if (!bytes) continue;
      received += bytes.length;
      largest = Math.max(largest, bytes.length);
    }
    assert.equal(received, total);
    assert.ok(largest <= 64 * 1024, `the largest event carried ${largest} bytes`);
  });

  it("sends a stream cut off by the model as a ModelStreamError event", async () => {
    const response = await berth.runtime.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: endpoint,
        InferenceComponentName: echo,
        Body: Buffer.from("x"),
        ContentType: "text/plain",
        CustomAttributes: "respond_bytes=1000000,cut_after_headers=1",
      }),
    );
    await assert.rejects(
      (async () => {
        for await (const event of response.Body!) void event;
      })(),
      { name: "ModelStreamError" },
    );
  });

  it("frees the copy when a streaming client stops reading and then goes away", async () => {
    const client = new AbortController();
    const response = await berthFetch(`${berth.url}/endpoints/${endpoint}/invocations-response-stream`, {
      method: "POST",
      body: "x",
      headers: { "content-type": "text/plain", "x-amzn-sagemaker-inference-component": echo, "x-amzn-sagemaker-custom-attributes": "respond_bytes=500000000" },
      signal: client.signal,
    });
    assert.equal(response.status, 200);
    const inFlight = new RegExp(`berth_in_flight_requests\\{[^}]*component="${echo}"[^}]*\\} (\\d+)`);
    const inFlightNow = async () => Number(inFlight.exec(await (await berthFetch(`${berth.url}/metrics`)).text())?.[1] ?? -1);
    // The body is never read: the router's writes back up until it waits for the client to drain.
    await eventually(async () => ((await inFlightNow()) === 1 ? true : undefined), { what: "the stream to be in flight" });
    client.abort();
    await eventually(async () => ((await inFlightNow()) === 0 ? true : undefined), { what: "the copy to be freed once the stalled client left" });
  });
});
