import { after, before, describe, it, type TestContext } from "node:test";
import { berth, stackTrace } from "../support/berth-cli.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";

let server: BerthProcess;
let endpoint: string;
let component: string;
before(async () => {
  server = await startBerth();
  endpoint = await createIcEndpoint(server.sagemaker);
  component = await createComponent(server.sagemaker, echoComponent(endpoint, { copies: 2, accelerators: 0, cpu: 0.5, memory: 256 }));
});
after(async () => {
  await server.stop();
});

/** The table row whose first cell is `name`, split into cells. */
function row(stdout: string, name: string): string[] | undefined {
  return stdout
    .split("\n")
    .map((line) => line.split(/ {2,}/))
    .find((cells) => cells[0] === name);
}

describe("berth endpoints and berth components", () => {
  it("berth endpoints prints a table with each endpoint's status, instances and component count", async (t: TestContext) => {
    const run = await berth(server, ["endpoints"]);
    t.assert.equal(run.code, 0, run.stderr);
    t.assert.match(run.stdout, /^NAME +STATUS +INSTANCES +COMPONENTS +CREATED +FAILURE\n/);
    const cells = row(run.stdout, endpoint);
    t.assert.deepStrictEqual(cells?.slice(0, 4), [endpoint, "InService", "AllTraffic: 1/1 ml.g5.12xlarge", "1"]);
  });

  it("berth endpoints --json prints DescribeEndpoint's answers", async (t: TestContext) => {
    const run = await berth(server, ["endpoints", "--json"]);
    t.assert.equal(run.code, 0, run.stderr);
    const endpoints = JSON.parse(run.stdout) as { EndpointName: string; EndpointStatus: string; $metadata?: unknown }[];
    const mine = endpoints.find((e) => e.EndpointName === endpoint);
    t.assert.equal(mine?.EndpointStatus, "InService");
    t.assert.equal(mine?.$metadata, undefined);
  });

  it("berth components prints status, current/desired copies, model and what each copy needs", async (t: TestContext) => {
    const run = await berth(server, ["components", "--endpoint", endpoint]);
    t.assert.equal(run.code, 0, run.stderr);
    t.assert.match(run.stdout, /^NAME +ENDPOINT +STATUS +COPIES +MODEL +PER COPY +FAILURE\n/);
    t.assert.deepStrictEqual(row(run.stdout, component), [component, endpoint, "InService", "2/2", "berth/echo", "0.5 cpu, 256 MiB"]);
  });

  it("berth components --json prints DescribeInferenceComponent's answers", async (t: TestContext) => {
    const run = await berth(server, ["components", "--json", "--endpoint", endpoint]);
    t.assert.equal(run.code, 0, run.stderr);
    const components = JSON.parse(run.stdout) as { InferenceComponentName: string; RuntimeConfig: { CurrentCopyCount: number } }[];
    t.assert.deepStrictEqual(
      components.map((c) => [c.InferenceComponentName, c.RuntimeConfig.CurrentCopyCount]),
      [[component, 2]],
    );
  });

  it("says what to do when no server answers, with exit code 1 and no stack trace", async (t: TestContext) => {
    const run = await berth(server, ["components", "--url", "http://127.0.0.1:1"]);
    t.assert.equal(run.code, 1);
    t.assert.equal(run.stderr, "berth: cannot reach a Berth server at http://127.0.0.1:1. Start one with 'npx berth server' or pass --url (env BERTH_URL).\n");
    t.assert.doesNotMatch(run.stderr, stackTrace);
  });

  it("says what to do when the server refuses the key", async (t: TestContext) => {
    const run = await berth(server, ["endpoints"], { AWS_ACCESS_KEY_ID: "AKIAUNKNOWNKEY000000", AWS_SECRET_ACCESS_KEY: "nothing" });
    t.assert.equal(run.code, 1);
    t.assert.match(
      run.stderr,
      /^berth: UnrecognizedClientException: The security token included in the request is invalid\.\nberth: the server refused the key\./,
    );
    t.assert.doesNotMatch(run.stderr, stackTrace);
  });
});
