import { join } from "node:path";
import { before, describe, it, type TestContext } from "node:test";
import { CatalogError, loadCatalog, loadPortfolio, parsePortfolio, PortfolioError, type Catalog } from "../../../src/sim/input/index.js";
import { fixtures } from "./paths.js";

let catalog: Catalog;
before(async () => {
  catalog = await loadCatalog();
});

function problems(text: string): string[] {
  try {
    parsePortfolio(text, "portfolio.yaml", catalog);
  } catch (error) {
    if (error instanceof PortfolioError) return error.message.split("\n");
    throw error;
  }
  throw new Error("the portfolio was accepted");
}

const endpoint = "endpoint:\n  instanceType: ml.p4d.24xlarge\n";

describe("portfolio files", () => {
  it("loads the example with every default filled in from the catalog", async (t: TestContext) => {
    t.plan(9);
    const p = await loadPortfolio(join(fixtures, "portfolio-example.yaml"));
    const [codegen, xgen, big, fn] = p.models;
    t.assert.equal(codegen.memoryGiB, 31.48);
    t.assert.equal(codegen.startup.seconds, 30 + 14.13 / 2);
    t.assert.deepStrictEqual(xgen.scaling.target, { metric: "invocationsPerCopy", value: 120 });
    t.assert.equal(xgen.scaling.scaleOutCooldownS, 300);
    t.assert.deepStrictEqual([big.scaling.minCopies, big.scaling.scaleToZero, big.startup.seconds], [0, true, 120]);
    t.assert.deepStrictEqual(fn.latency, { kind: "fixed", fixedMs: 600, useTraceDuration: true });
    t.assert.deepStrictEqual([p.endpoint.pricePerHour, p.endpoint.priceSource, p.endpoint.instance.accelerators], [37.688, "catalog", 8]);
    t.assert.deepStrictEqual(p.mapping, { strategy: "byRank", streamsPerModel: 1 });
    t.assert.deepStrictEqual(p.simulation, { durationS: 3600, seed: 7, scalingPeriodS: 60 });
  });

  it("names the line and field of a fractional accelerator count", (t: TestContext) => {
    t.plan(1);
    const text = `models:
  - name: a
    memoryGiB: 10
    startupSeconds: 5
    accelerators: 1
    latency: { fixedMs: 10 }
    sloMs: 100
    scaling: { maxCopies: 2 }
  - name: b
    memoryGiB: 10
    startupSeconds: 5
    accelerators: 0.5
    latency: { fixedMs: 10 }
    sloMs: 100
    scaling: { maxCopies: 2 }
${endpoint}`;
    t.assert.deepStrictEqual(problems(text), ["portfolio.yaml line 12, models[1].accelerators: must be a whole number of at least 1, found 0.5"]);
  });

  it("suggests the field a typo meant, on the typo's line, and still reports what is missing", (t: TestContext) => {
    t.plan(1);
    const text = `models:
  - name: a
    catalogModel: codegen-6B
    acelerators: 1
    latency: { firstTokenMs: 100, perOutputTokenMs: 20 }
    sloMs: 5000
    scaling: { maxCopies: 2 }
${endpoint}`;
    t.assert.deepStrictEqual(problems(text), [
      "portfolio.yaml line 4, models[0].acelerators: unknown field 'acelerators' — did you mean 'accelerators'?",
      "portfolio.yaml line 2, models[0]: missing field 'accelerators' (whole accelerator devices per copy)",
    ]);
  });

  it("lists close catalog ids for an unknown catalogModel and instanceType", (t: TestContext) => {
    t.plan(2);
    const text = `models:
  - name: a
    catalogModel: codegen6B
    accelerators: 1
    latency: { fixedMs: 10 }
    sloMs: 100
    scaling: { maxCopies: 1 }
endpoint:
  instanceType: ml.p4.24xlarge
`;
    const [instance, model] = problems(text);
    t.assert.match(
      instance,
      /^portfolio\.yaml line 9, endpoint\.instanceType: unknown instance type 'ml\.p4\.24xlarge' — did you mean 'ml\.p4d\.24xlarge'\?; instances\.json in .+ has 'ml\.p4d\.24xlarge', .+ and 27 more$/,
    );
    t.assert.match(
      model,
      /^portfolio\.yaml line 3, models\[0\]\.catalogModel: unknown catalog model 'codegen6B' — did you mean 'codegen-6B'\?; models\.json in .+ has 'codegen-6B', .+ and 8 more$/,
    );
  });

  it("reads JSON too, with the lines of the JSON text", (t: TestContext) => {
    t.plan(1);
    const text = `{
  "models": [
    { "name": "a", "memoryGiB": 4, "startupSeconds": 1, "accelerators": 1,
      "latency": { "fixedMs": 5 }, "sloMs": -1, "scaling": { "maxCopies": 1 } }
  ],
  "endpoint": { "instanceType": "ml.g5.xlarge" }
}`;
    t.assert.deepStrictEqual(problems(text), ["portfolio.yaml line 4, models[0].sloMs: must be a number above 0, found -1"]);
  });

  it("asks for a price when the catalog has none", (t: TestContext) => {
    t.plan(1);
    const text = `models:
  - { name: a, catalogModel: codegen-2B, accelerators: 1, latency: { fixedMs: 1 }, sloMs: 9, scaling: { maxCopies: 1 } }
endpoint:
  instanceType: ml.p5e.48xlarge
`;
    t.assert.deepStrictEqual(problems(text), [
      "portfolio.yaml line 4, endpoint.instanceType: the catalog has no price for ml.p5e.48xlarge; set endpoint.pricePerHour (USD per instance-hour)",
    ]);
  });

  it("refuses copies that cannot fit on one instance", (t: TestContext) => {
    t.plan(2);
    const text = `models:
  - { name: a, catalogModel: codegen-16B, accelerators: 1, latency: { fixedMs: 1 }, sloMs: 9, scaling: { maxCopies: 1 } }
  - { name: b, catalogModel: codegen-2B, accelerators: 2, latency: { fixedMs: 1 }, sloMs: 9, scaling: { maxCopies: 1 } }
endpoint:
  instanceType: ml.g5.4xlarge
`;
    const [weights, devices] = problems(text);
    t.assert.equal(
      weights,
      "portfolio.yaml line 2, models[0].catalogModel: 32.06 GB of weights do not fit in 1 × 24 GiB of accelerator memory; use at least 2 accelerators",
    );
    t.assert.equal(
      devices,
      "portfolio.yaml line 3, models[1].accelerators: a copy needs 2 accelerators but one instance of the endpoint has 1; lower it or pick a larger instanceType",
    );
  });

  it("rejects mixed latency profiles, contradictory scale-to-zero and duplicate names", (t: TestContext) => {
    t.plan(1);
    const text = `models:
  - name: a
    catalogModel: codegen-2B
    accelerators: 1
    latency: { fixedMs: 10, perOutputTokenMs: 5 }
    sloMs: 100
    scaling: { minCopies: 1, maxCopies: 2, scaleToZero: true }
  - name: a
    catalogModel: codegen-2B
    accelerators: 1
    latency: { fixedMs: 10 }
    sloMs: 100
    scaling: { maxCopies: 2 }
${endpoint}`;
    t.assert.deepStrictEqual(problems(text), [
      "portfolio.yaml line 5, models[0].latency: mixes a token profile (perOutputTokenMs, perInputTokenMs) with fixedMs/useTraceDuration; keep one of them",
      "portfolio.yaml line 7, models[0].scaling.minCopies: must be 0 when scaleToZero is true, found 1",
      "portfolio.yaml line 8, models[1].name: 'a' is already the name of models[0]; names must be unique",
    ]);
  });

  it("takes model names as SageMaker inference component names, so none breaks the report's Markdown", (t: TestContext) => {
    t.plan(1);
    const text = `models:
  - name: "chat|<script>"
    catalogModel: codegen-2B
    accelerators: 1
    latency: { fixedMs: 10 }
    sloMs: 100
    scaling: { maxCopies: 2 }
${endpoint}`;
    t.assert.deepStrictEqual(problems(text), [
      "portfolio.yaml line 2, models[0].name: must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit (a SageMaker inference component's name), found \"chat|<script>\"; rename it, e.g. 'chat-script'",
    ]);
  });

  it("bounds latencies: an hour a request, 10 s a token", (t: TestContext) => {
    t.plan(1);
    const text = `models:
  - name: a
    catalogModel: codegen-2B
    accelerators: 1
    latency: { fixedMs: 1e42 }
    sloMs: 100
    scaling: { maxCopies: 2 }
  - name: b
    catalogModel: codegen-2B
    accelerators: 1
    latency: { firstTokenMs: 100, perOutputTokenMs: 20000 }
    sloMs: 100
    scaling: { maxCopies: 2 }
${endpoint}`;
    t.assert.deepStrictEqual(problems(text), [
      "portfolio.yaml line 5, models[0].latency.fixedMs: must be a number of at least 0 and of at most 3600000 (an hour, SageMaker's longest invocation), found 1e+42",
      "portfolio.yaml line 11, models[1].latency.perOutputTokenMs: must be a number of at least 0 and of at most 10000 (10 s a token), found 20000",
    ]);
  });

  it("bounds counts (1,024 concurrent requests a copy, 1,000 copies a model, 1,000 instances) and the price (10,000 USD an instance-hour)", (t: TestContext) => {
    t.plan(1);
    const text = `models:
  - name: a
    catalogModel: codegen-2B
    accelerators: 1
    concurrency: 1000000000
    latency: { fixedMs: 10 }
    sloMs: 100
    scaling: { minCopies: 1000000, maxCopies: 1000000 }
endpoint: { instanceType: ml.p4d.24xlarge, minInstances: 1000000, maxInstances: 1000001, pricePerHour: 1e308 }
`;
    t.assert.deepStrictEqual(problems(text), [
      "portfolio.yaml line 9, endpoint.minInstances: must be a whole number of at least 0 and of at most 1000 (instances per endpoint), found 1000000",
      "portfolio.yaml line 9, endpoint.maxInstances: must be a whole number of at least 1 and of at most 1000 (instances per endpoint), found 1000001",
      "portfolio.yaml line 9, endpoint.pricePerHour: must be a number above 0 and of at most 10000 (USD per instance-hour), found 1e+308",
      "portfolio.yaml line 5, models[0].concurrency: must be a whole number of at least 1 and of at most 1024 (requests in service on one copy), found 1000000000",
      "portfolio.yaml line 8, models[0].scaling.minCopies: must be a whole number of at least 0 and of at most 1000 (copies per model), found 1000000",
      "portfolio.yaml line 8, models[0].scaling.maxCopies: must be a whole number of at least 1 and of at most 1000 (copies per model), found 1000000",
    ]);
  });

  it("judges an LLM's SLO by time to first token and other models end to end, unless slo says otherwise", (t: TestContext) => {
    t.plan(2);
    const model = (name: string, latency: string, slo = "") =>
      `  - { name: ${name}, catalogModel: codegen-2B, accelerators: 1, latency: ${latency}, sloMs: 100, ${slo}scaling: { maxCopies: 2 } }`;
    const text = `models:
${model("tokens", "{ firstTokenMs: 200, perOutputTokenMs: 20 }")}
${model("prefill", "{ fixedMs: 1500, firstTokenMs: 300 }")}
${model("plain", "{ fixedMs: 1500 }")}
${model("asked", "{ fixedMs: 1500, firstTokenMs: 300 }", "slo: e2e, ")}
${endpoint}`;
    const p = parsePortfolio(text, "portfolio.yaml", catalog);
    t.assert.deepStrictEqual(
      p.models.map((m) => [m.name, m.slo]),
      [
        ["tokens", "ttft"],
        ["prefill", "ttft"],
        ["plain", "e2e"],
        ["asked", "e2e"],
      ],
    );
    const bad = `models:
${model("plain", "{ fixedMs: 1500 }", "slo: ttft, ")}
${model("long", "{ fixedMs: 1500, firstTokenMs: 2000 }")}
${model("typo", "{ fixedMs: 1500 }", "slo: first-token, ")}
${endpoint}`;
    t.assert.deepStrictEqual(problems(bad), [
      "portfolio.yaml line 2, models[0].slo: is ttft, but the latency profile gives no time to the first token; add latency.firstTokenMs (the part of fixedMs before the first token)",
      "portfolio.yaml line 3, models[1].latency.firstTokenMs: must be a number of at least 0 and of at most 1500, found 2000",
      'portfolio.yaml line 4, models[2].slo: must be ttft (time to first token) or e2e (end to end), found "first-token"',
    ]);
  });

  it("checks the mapping: one strategy, and only known models in explicit", (t: TestContext) => {
    t.plan(2);
    const models = "models:\n  - { name: a, catalogModel: codegen-2B, accelerators: 1, latency: { fixedMs: 1 }, sloMs: 9, scaling: { maxCopies: 1 } }\n";
    t.assert.deepStrictEqual(problems(`${models}${endpoint}mapping:\n  byRank: {}\n  random: { seed: 3 }\n`), [
      "portfolio.yaml line 5, mapping: needs exactly one of byRank, random or explicit, found byRank and random",
    ]);
    t.assert.deepStrictEqual(problems(`${models}${endpoint}mapping:\n  explicit:\n    b: [code]\n`), [
      "portfolio.yaml line 7, mapping.explicit.b: no model is named 'b' — did you mean 'a'?; the models are 'a'",
    ]);
  });

  it("reports a YAML syntax error with its line", (t: TestContext) => {
    t.plan(1);
    t.assert.match(problems("models:\n  - name: a\n    sloMs: [1, 2\nendpoint: {}\n")[0], /^portfolio\.yaml line \d+: not valid YAML or JSON: /);
  });

  it("refuses aliases that expand exponentially (a billion laughs) with the line of the first alias", (t: TestContext) => {
    t.plan(1);
    const levels = Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(",")}]`);
    const text = `version: 1\na0: &a0 [x,x,x,x,x,x,x,x,x,x]\n${levels.join("\n")}\n`;
    t.assert.deepStrictEqual(problems(text), [
      "portfolio.yaml line 3: cannot expand the file's YAML aliases (Excessive alias count indicates a resource exhaustion attack); write the values out, or use fewer aliases (*name) and none that nest",
    ]);
  });

  it("takes the catalog from catalogDir and says when it is not there", async (t: TestContext) => {
    t.plan(2);
    const p = await loadPortfolio(join(fixtures, "portfolio-example.yaml"), { catalogDir: catalog.dir });
    t.assert.equal(p.catalogDir, catalog.dir);
    await t.assert.rejects(
      loadPortfolio(join(fixtures, "portfolio-example.yaml"), { catalogDir: join(fixtures, "no-catalog") }),
      (e: unknown) => e instanceof CatalogError && /pass catalogDir/.test(e.message),
    );
  });
});
