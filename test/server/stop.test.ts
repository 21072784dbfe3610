import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startBerth } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";

/** Long enough that a stop which waits for it instead of for the open requests is plain to see. */
const drainLimitSeconds = 60;

describe("stopping the server", () => {
  it("answers the request in flight, then exits at once despite an idle SDK connection and an open console stream", async () => {
    const berth = await startBerth({ config: { stopDrainSeconds: drainLimitSeconds } });
    const endpoint = await createIcEndpoint(berth.sagemaker);
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    // The SDK's agent keeps this connection open, idle, once the answer is read.
    assert.equal((await invoke(berth.runtime, endpoint, component, "warm")).body, "warm");

    const login = await berthFetch(`${berth.url}/console/api/session`, { method: "POST" });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const events = await fetch(`${berth.url}/console/api/events`, { headers: { cookie } });
    assert.equal(events.status, 200);
    const stream = events.body!.getReader();
    await stream.read();

    const inFlight = invoke(berth.runtime, endpoint, component, "still answered", "latency_ms=2000");
    await eventually(
      async () => {
        const text = await (await berthFetch(`${berth.url}/metrics`)).text();
        return new RegExp(`^berth_in_flight_requests\\{[^}]*component="${component}"[^}]*\\} 1$`, "m").test(text) || undefined;
      },
      { what: "the slow request to be in flight at the router" },
    );

    const deadline = berth
      .waitForLog((line) => /stop drain limit/.test(String(line.msg)), (drainLimitSeconds + 30) * 1000)
      .then(() => "the drain limit passed first");
    const exit = berth.stop().then((code) => ({ code }));
    assert.equal((await inFlight).body, "still answered", "the request in flight at SIGTERM is answered");
    const first = await Promise.race([exit, deadline]);
    assert.deepEqual(first, { code: 0 }, "the server exits, cleanly, before its drain limit");
    assert.ok(berth.logs.some((line) => line.msg === "stopped cleanly"));
    // The console's stream was ended by the server, not left to the client.
    while (!(await stream.read().catch(() => ({ done: true }))).done);
  });
});
