import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { berthFetch } from "../support/http.js";
import { eventually } from "../support/wait.js";

const MiB = 1024 * 1024;
const fullBody = "x".repeat(6 * MiB);

/** Resident memory of a process, from /proc/<pid>/status. */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

async function bufferedBytes(berth: BerthProcess): Promise<number> {
  const text = await (await berthFetch(`${berth.url}/metrics`)).text();
  const match = /^berth_buffered_body_bytes (\d+)$/m.exec(text);
  if (!match) throw new Error("no berth_buffered_body_bytes in /metrics");
  return Number(match[1]);
}

describe("the router's memory stays bounded", () => {
  let berth: BerthProcess;
  let endpoint: string;
  let ready: string;
  let stuck: string;
  before(async () => {
    berth = await startBerth({ config: { invokeTimeoutSeconds: 2, holdSeconds: 120, limits: { bufferedBodyBudgetBytes: 16 * MiB } } });
    endpoint = await createIcEndpoint(berth.sagemaker);
    ready = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    // A copy that never passes /ping: requests for it are held, bodies and all.
    stuck = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0, env: { ECHO_FAIL_PING: "true" } }), null);
  });
  after(async () => {
    await berth.stop();
  });

  it("gives every body's bytes back whether it was served, failed or timed out", async () => {
    assert.equal((await invoke(berth.runtime, endpoint, ready, fullBody)).body.length, fullBody.length);
    await assert.rejects(invoke(berth.runtime, endpoint, ready, fullBody, "status=500"), { name: "ModelError" });
    await assert.rejects(
      invoke(berth.runtime, endpoint, ready, fullBody, "latency_ms=5000"),
      (e: Error) => e.name === "ModelError" && /timed out/.test(e.message),
    );
    await eventually(async () => ((await bufferedBytes(berth)) === 0 ? true : undefined), {
      what: "the router to hold no body bytes once every request ended",
    });
  });

  it("keeps SageMaker's 6 MB cap on a request body: one byte more is a ValidationError and nothing stays held", async () => {
    await assert.rejects(invoke(berth.runtime, endpoint, ready, `${fullBody}x`), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "ValidationError");
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.match(e.message, /larger than 6291456 bytes, the most InvokeEndpoint accepts/);
      return true;
    });
    await eventually(async () => ((await bufferedBytes(berth)) === 0 ? true : undefined), { what: "the refused body to leave nothing charged" });
  });

  it("refuses requests with ServiceUnavailable once held bodies fill the budget, and takes them again once their clients leave", async () => {
    const clients = [new AbortController(), new AbortController()];
    const held = clients.map((client) =>
      berth.runtime
        .send(new InvokeEndpointCommand({ EndpointName: endpoint, InferenceComponentName: stuck, Body: Buffer.from(fullBody), ContentType: "text/plain" }), {
          abortSignal: client.signal,
        })
        .then(
          () => "answered",
          (e: Error) => e.name,
        ),
    );
    await eventually(async () => ((await bufferedBytes(berth)) >= 12 * MiB ? true : undefined), {
      what: "two held 6 MiB requests to be charged to the budget",
    });

    await assert.rejects(invoke(berth.runtime, endpoint, ready, fullBody), (e: Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }) => {
      assert.equal(e.name, "ServiceUnavailable");
      assert.equal(e.$metadata?.httpStatusCode, 503);
      assert.match(e.message, /limits\.bufferedBodyBudgetBytes/);
      return true;
    });
    assert.equal(
      (await invoke(berth.runtime, endpoint, ready, "small enough to fit")).body,
      "small enough to fit",
      "a small request still fits beside the held ones",
    );

    for (const client of clients) client.abort();
    assert.deepEqual(await Promise.all(held), ["AbortError", "AbortError"]);
    await eventually(async () => ((await bufferedBytes(berth)) === 0 ? true : undefined), {
      what: "the held requests' bytes to come back after their clients left",
    });
    assert.equal((await invoke(berth.runtime, endpoint, ready, fullBody)).body.length, fullBody.length, "a full-size request is taken again");
  });

  it("reads at most 1 KiB of a 200 MB error body, so the server's memory stays flat and the client gets ModelError", async (t) => {
    const pid = berth.child.pid!;
    await assert.rejects(invoke(berth.runtime, endpoint, ready, "warm-up", "status=500,error_body_bytes=4096"), { name: "ModelError" });
    const before = rssBytes(pid);
    await assert.rejects(
      invoke(berth.runtime, endpoint, ready, "x", "status=500,error_body_bytes=200000000"),
      (e: Error & { OriginalStatusCode?: number; OriginalMessage?: string }) => {
        assert.equal(e.name, "ModelError");
        assert.equal(e.OriginalStatusCode, 500);
        assert.ok(
          e.OriginalMessage && e.OriginalMessage.length > 0 && e.OriginalMessage.length <= 1024,
          `OriginalMessage holds at most 1 KiB (${e.OriginalMessage?.length})`,
        );
        return true;
      },
    );
    const growth = rssBytes(pid) - before;
    t.diagnostic(`server RSS grew by ${(growth / MiB).toFixed(1)} MiB for a 200 MB error body`);
    assert.ok(growth < 100 * MiB, `the server grew by ${(growth / MiB).toFixed(1)} MiB for a 200 MB error body`);
    assert.equal((await invoke(berth.runtime, endpoint, ready, "after")).body, "after", "the copy still answers on a fresh connection");
  });

  it("drops a 200 MB answer at 6 MB, so the server's memory stays flat and the client gets ModelError", async (t) => {
    const pid = berth.child.pid!;
    const before = rssBytes(pid);
    await assert.rejects(
      invoke(berth.runtime, endpoint, ready, "x", "respond_bytes=200000000"),
      (e: Error) => e.name === "ModelError" && /larger than 6291456 bytes/.test(e.message),
    );
    const growth = rssBytes(pid) - before;
    t.diagnostic(`server RSS grew by ${(growth / MiB).toFixed(1)} MiB for a 200 MB answer`);
    assert.ok(growth < 100 * MiB, `the server grew by ${(growth / MiB).toFixed(1)} MiB for a 200 MB answer`);
    await eventually(async () => ((await bufferedBytes(berth)) === 0 ? true : undefined), { what: "the dropped answer's bytes to come back" });
  });
});
