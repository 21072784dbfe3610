import { after, before, describe, it, type TestContext } from "node:test";
import { berth } from "../support/berth-cli.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";

let server: BerthProcess;
let endpoint: string;
before(async () => {
  server = await startBerth();
  endpoint = await createIcEndpoint(server.sagemaker);
});
after(async () => {
  await server.stop();
});

describe("berth top", () => {
  it("--once prints each component's copies, requests, errors and latency since the server started", async (t: TestContext) => {
    const busy = await createComponent(server.sagemaker, echoComponent(endpoint, { copies: 2, accelerators: 0, cpu: 0.5, memory: 256 }));
    const idle = await createComponent(server.sagemaker, echoComponent(endpoint, { copies: 1, accelerators: 0, cpu: 0.5, memory: 256 }));
    for (let i = 0; i < 5; i++) await invoke(server.runtime, endpoint, busy, `{"n": ${i}}`);

    const run = await berth(server, ["top", "--once"]);
    t.assert.equal(run.code, 0, run.stderr);
    t.assert.match(run.stdout, /^COMPONENT +ENDPOINT +COPIES +IN FLIGHT +HELD +REQUESTS +ERRORS +P50 +P99 +OVERHEAD P99\n/);
    const cells = (name: string) =>
      run.stdout
        .split("\n")
        .map((l) => l.split(/ {2,}/))
        .find((c) => c[0] === name);
    t.assert.deepStrictEqual(cells(busy)?.slice(0, 7), [busy, endpoint, "2/2", "0", "0", "5", "0"]);
    t.assert.match(cells(busy)![7]!, /^\d+(\.\d+)? m?s$/);
    t.assert.deepStrictEqual(cells(idle), [idle, endpoint, "1/1", "0", "0", "0", "0", "-", "-", "-"]);

    const json = await berth(server, ["top", "--once", "--json"]);
    const rows = JSON.parse(json.stdout) as { component: string; requests: number; p50Seconds: number | null; readyCopies: number }[];
    const row = rows.find((r) => r.component === busy)!;
    t.assert.equal(row.requests, 5);
    t.assert.equal(row.readyCopies, 2);
    t.assert.ok(row.p50Seconds !== null && row.p50Seconds > 0);
  });
});
