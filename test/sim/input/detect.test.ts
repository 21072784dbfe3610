import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { detectTrace } from "../../../src/sim/input/index.js";
import { fixtures } from "./paths.js";

describe("trace format detection", () => {
  const cases: [string, string, string][] = [
    ["a folder of TIMESTAMP csv files is Azure LLM", "azure-llm", "azure-llm"],
    ["a TIMESTAMP csv file is Azure LLM", "azure-llm/other.csv", "azure-llm"],
    ["a jsonl file with timestamp and input_length is Mooncake", "mooncake/tiny_trace.jsonl", "mooncake"],
    ["a folder holding invocations.csv is Azure Functions", "functions", "azure-functions"],
    ["invocations.csv itself is Azure Functions", "functions/invocations.csv", "azure-functions"],
    ["a folder of chunk files is a ServeGen group", "servegen/group-a", "servegen"],
    ["a folder of groups is ServeGen", "servegen", "servegen"],
  ];
  for (const [name, path, format] of cases) {
    it(name, async (t: TestContext) => {
      t.plan(1);
      t.assert.equal((await detectTrace(join(fixtures, path))).format, format);
    });
  }

  it("reads Azure Functions from the folder even when given invocations.csv", async (t: TestContext) => {
    t.plan(1);
    t.assert.deepStrictEqual((await detectTrace(join(fixtures, "functions", "invocations.csv"))).files, [join(fixtures, "functions")]);
  });
});
