import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import {
  loadCatalog,
  mapStreams,
  parsePortfolio,
  PortfolioError,
  readTrace,
  type MappingSpec,
  type Portfolio,
  type Stream,
  type Trace,
} from "../../../src/sim/input/index.js";
import { fixtures } from "./paths.js";

function trace(counts: Record<string, number>): Pick<Trace, "streams" | "source"> {
  const streams = Object.entries(counts).map(([id, count]): Stream => ({
    id,
    arrivals: new Float64Array(count),
    attributes: {},
    stats: { count, meanRatePerS: 0, peakRatePerS60: 0, firstArrivalS: 0, lastArrivalS: 0 },
  }));
  return { streams, source: "t.csv" };
}

function portfolio(models: string[], mapping: MappingSpec): Pick<Portfolio, "models" | "mapping" | "file"> {
  return { file: "p.yaml", mapping, models: models.map((name) => ({ name }) as Portfolio["models"][number]) };
}

const streams = trace({ quiet: 1, busy: 50, mid: 10, idle: 0, alsoMid: 10 });
const names = (t: typeof streams, indices: number[]): string[] => indices.map((i) => t.streams[i].id);

describe("mapping trace streams to models", () => {
  it("gives the busiest streams to the models in listed order, ties by id", (t: TestContext) => {
    t.plan(4);
    const a = mapStreams(streams, portfolio(["big", "small"], { strategy: "byRank", streamsPerModel: 2 }));
    t.assert.deepStrictEqual(names(streams, a.models[0].streams), ["busy", "alsoMid"]);
    t.assert.deepStrictEqual(names(streams, a.models[1].streams), ["mid", "quiet"]);
    t.assert.deepStrictEqual(a.unmapped, { streams: 1, requests: 0 });
    t.assert.deepStrictEqual([...a.modelOfStream], [1, 0, 1, -1, 0]);
  });

  it("lists models left without a stream", (t: TestContext) => {
    t.plan(1);
    const a = mapStreams(trace({ only: 3 }), portfolio(["a", "b"], { strategy: "byRank", streamsPerModel: 1 }));
    t.assert.deepStrictEqual(a.idleModels, ["b"]);
  });

  it("draws a random assignment that depends only on the seed", (t: TestContext) => {
    t.plan(3);
    const draw = (seed: number) =>
      mapStreams(streams, portfolio(["a", "b"], { strategy: "random", streamsPerModel: 2, seed })).models.map((m) => names(streams, m.streams));
    const reordered = trace({ alsoMid: 10, idle: 0, mid: 10, busy: 50, quiet: 1 });
    const again = mapStreams(reordered, portfolio(["a", "b"], { strategy: "random", streamsPerModel: 2, seed: 5 })).models.map((m) =>
      names(reordered, m.streams),
    );
    t.assert.deepStrictEqual(draw(5), draw(5));
    t.assert.deepStrictEqual(again, draw(5), "the reader's stream order does not matter");
    const seeds = new Set(Array.from({ length: 8 }, (_, s) => JSON.stringify(draw(s))));
    t.assert.ok(seeds.size > 1, "different seeds give different assignments");
  });

  it("maps explicit ids and unique prefixes, dropping the rest", (t: TestContext) => {
    t.plan(2);
    const a = mapStreams(streams, portfolio(["x", "y"], { strategy: "explicit", streams: [{ model: "x", ids: ["quiet", "alsoMi"], lines: [1, 2] }] }));
    t.assert.deepStrictEqual(names(streams, a.models[0].streams), ["quiet", "alsoMid"]);
    t.assert.deepStrictEqual(a.unmapped, { streams: 3, requests: 60 });
  });

  it("names the portfolio line of a stream id the trace does not have", async (t: TestContext) => {
    t.plan(1);
    const catalog = await loadCatalog();
    const text = `models:
  - { name: a, catalogModel: codegen-2B, accelerators: 1, latency: { fixedMs: 1 }, sloMs: 9, scaling: { maxCopies: 1 } }
endpoint: { instanceType: ml.g5.2xlarge }
mapping:
  explicit:
    a:
      - tiny
      - cod
`;
    const p = parsePortfolio(text, "portfolio.yaml", catalog);
    const tr = await readTrace(join(fixtures, "azure-llm"));
    t.assert.throws(
      () => mapStreams(tr, p),
      (e: unknown) =>
        e instanceof PortfolioError &&
        e.message ===
          `portfolio.yaml line 8, mapping.explicit.a: the trace ${join(fixtures, "azure-llm")} has no stream 'cod'; its streams are 'tiny', 'other'`,
    );
  });
});
