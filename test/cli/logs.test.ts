import { UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { after, before, describe, it, type TestContext } from "node:test";
import { berth, berthRunning, stackTrace } from "../support/berth-cli.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createKey } from "../security/keys-cli.js";
import { createComponent, createIcEndpoint, echoComponent, waitForComponent } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { eventually } from "../support/wait.js";

let server: BerthProcess;
let endpoint: string;
before(async () => {
  server = await startBerth();
  endpoint = await createIcEndpoint(server.sagemaker);
});
after(async () => {
  await server.stop();
});

async function echoWithCopies(copies: number): Promise<string> {
  const component = await createComponent(server.sagemaker, echoComponent(endpoint, { copies, accelerators: 0, cpu: 0.5, memory: 256 }));
  // A copy is Ready once it answers /ping, which it does after printing its listening line.
  await eventually(async () => ((await berth(server, ["logs", component])).stdout.split("listening on").length > copies ? true : undefined), {
    what: `${copies} copies of ${component} to have printed their listening line`,
  });
  return component;
}

describe("berth logs", () => {
  it("prints what each copy of a component wrote, prefixed by the copy", async (t: TestContext) => {
    const component = await echoWithCopies(2);
    const run = await berth(server, ["logs", component]);
    t.assert.equal(run.code, 0, run.stderr);
    t.assert.match(run.stdout, new RegExp(`^${component}-1  echo: listening on 127\\.0\\.0\\.1:\\d+$`, "m"));
    t.assert.match(run.stdout, new RegExp(`^${component}-2  echo: listening on 127\\.0\\.0\\.1:\\d+$`, "m"));
    const one = await berth(server, ["logs", component, "--copy", "2", "--json"]);
    const lines = one.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { copy: string; stream: string; text: string });
    t.assert.deepStrictEqual([...new Set(lines.map((l) => l.copy))], [`${component}-2`]);
    t.assert.ok(lines.some((l) => l.stream === "stdout" && /^echo: listening on/.test(l.text)));
  });

  it("--follow keeps printing: a copy added while it runs shows up", async (t: TestContext) => {
    const component = await echoWithCopies(1);
    const follow = berthRunning(server, ["logs", component, "--follow"]);
    t.after(() => follow.stop());
    await follow.waitForOutput(new RegExp(`^${component}-1  echo: listening`, "m"), "the first copy's existing line");
    await server.sagemaker.send(
      new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: component, DesiredRuntimeConfig: { CopyCount: 2 } }),
    );
    await follow.waitForOutput(new RegExp(`^${component}-2  echo: listening`, "m"), "the new copy's line on the followed stream");
    await waitForComponent(server.sagemaker, component, "InService");
  });

  it("says which copies exist when asked for another, and what to do for an unknown component", async (t: TestContext) => {
    const component = await echoWithCopies(1);
    const wrongCopy = await berth(server, ["logs", component, "--copy", "7"]);
    t.assert.equal(wrongCopy.code, 1);
    t.assert.equal(
      wrongCopy.stderr,
      `berth: ValidationException: Inference component ${component} has no copy 7 with output on this server; copies with output: 1.\n`,
    );
    const unknown = await berth(server, ["logs", "no-such-component"]);
    t.assert.equal(unknown.code, 1);
    t.assert.match(unknown.stderr, /^berth: ValidationException: Could not find inference component ".*inference-component\/no-such-component"\.\n$/);
    t.assert.doesNotMatch(unknown.stderr, stackTrace);
  });

  it("the route answers in the API's error shape and needs berth:GetCopyLogs", async (t: TestContext) => {
    const response = await berthFetch(`${server.url}/berth/v1/components/no-such-component/logs`);
    t.assert.equal(response.status, 400);
    t.assert.equal(((await response.json()) as { __type: string }).__type, "ValidationException");
    const malformed = await berthFetch(`${server.url}/berth/v1/components/%zz/logs`);
    t.assert.equal(malformed.status, 400, "malformed percent-encoding is the client's error, not a 500");
    const refusal = (await malformed.json()) as { __type: string; message: string };
    t.assert.equal(refusal.__type, "ValidationException");
    t.assert.match(refusal.message, /inference component name in the request path, '%zz', is not valid percent-encoding/);
    const key = createKey(server.dataDir, "no-logs", { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "sagemaker:*", Resource: "*" } });
    await eventually(
      async () => {
        const refused = await berthFetch(`${server.url}/berth/v1/components/any/logs`, {}, { credentials: key });
        const body = (await refused.json()) as { __type: string; message: string };
        return body.__type === "AccessDeniedException" ? body : undefined;
      },
      { what: "the new key to be known and refused berth:GetCopyLogs" },
    ).then((body) => t.assert.match(body.message, /not authorized to perform: berth:GetCopyLogs on resource: arn:aws:sagemaker:.*:inference-component\/any/));
  });
});
