import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { OccupancySnapshot } from "../engine/index.js";
import type { StrategyResult } from "../strategies/index.js";

/**
 * The report's charts as Vega-Lite specs, rendered to SVG in Node by Vega's headless renderer (no
 * browser, no canvas). Every chart is a pure function of the results, so the SVG repeats byte for byte.
 */

const font = { font: "Helvetica, Arial, sans-serif", labelFont: "Helvetica, Arial, sans-serif", titleFont: "Helvetica, Arial, sans-serif" };
const config = {
  font: font.font,
  axis: { labelFont: font.labelFont, titleFont: font.titleFont },
  legend: { labelFont: font.labelFont, titleFont: font.titleFont, labelLimit: 260 },
  view: { stroke: null },
};

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile({ ...spec, config: { ...config, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg + "\n";
}

/** Strategy colours: the "before" family warm, the packed family cool, the bound grey. */
const strategyColors: Record<string, string> = { a: "#d62728", b: "#ff7f0e", c: "#1f77b4", d: "#2ca02c", e: "#7f7f7f" };
const spare = ["#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

function colorScale(results: readonly StrategyResult[]): { domain: string[]; range: string[] } {
  let k = 0;
  return { domain: results.map((r) => r.label), range: results.map((r) => strategyColors[r.key] ?? spare[k++ % spare.length]) };
}

export function costChart(results: readonly StrategyResult[]): TopLevelSpec {
  const values = results.map((r) => ({ strategy: r.label, cost: Math.round(r.cost), label: `$${Math.round(r.cost).toLocaleString("en-US")}` }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Cost per strategy (USD, whole run)",
    width: 560,
    height: 28 * results.length,
    data: { values },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y: { field: "strategy", type: "nominal", sort: null, title: null, axis: { labelLimit: 320 } },
          x: { field: "cost", type: "quantitative", title: "USD" },
          color: { field: "strategy", type: "nominal", scale: colorScale(results), legend: null },
        },
      },
      {
        mark: { type: "text", align: "left", dx: 4 },
        encoding: { y: { field: "strategy", type: "nominal", sort: null }, x: { field: "cost", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  };
}

const free = "free";
const reserved = "held, unused";

/** Instances × GPUs at one moment, each GPU coloured by the model computing on it. */
export function occupancyChart(title: string, snapshot: OccupancySnapshot, modelNames: readonly string[], palette: Map<string, string>): TopLevelSpec {
  const values: { instance: string; gpu: number; model: string }[] = [];
  snapshot.instances.forEach((instance, i) => {
    const row = `${String(i + 1).padStart(2, "0")} ${instance.pool === "shared" ? "shared" : instance.pool}`;
    instance.devices.forEach((m, gpu) => values.push({ instance: row, gpu, model: m >= 0 ? modelNames[m] : m === -2 ? reserved : free }));
  });
  const present = new Set(values.map((v) => v.model));
  const domain = [...modelNames, reserved, free].filter((n) => present.has(n));
  const range = domain.map((d) => (d === free ? "#ffffff" : d === reserved ? "#d9d9d9" : palette.get(d)!));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: `${snapshot.instances.length} instances at hour ${(snapshot.atS / 3600).toFixed(1)}; ${snapshot.gpusHeld} GPUs held by copies`,
    },
    data: { values },
    width: 18 * Math.max(1, snapshot.instances[0]?.devices.length ?? 8),
    height: { step: 16 },
    mark: { type: "rect", stroke: "#666666", strokeWidth: 0.5 },
    encoding: {
      x: { field: "gpu", type: "ordinal", title: "GPU" },
      y: { field: "instance", type: "ordinal", title: "instance (endpoint)", sort: null, axis: { labelLimit: 220 } },
      color: { field: "model", type: "nominal", scale: { domain, range }, title: "model", legend: { columns: 1 } },
    },
  };
}

/** Provisioned instances over time per simulated strategy, with the bound's GPU demand in instances. */
export function instancesChart(results: readonly StrategyResult[]): TopLevelSpec {
  const values: { hour: number; instances: number; strategy: string }[] = [];
  for (const r of results) {
    if (r.engine) {
      const s = r.engine.series;
      for (const i of changes([s.instances])) values.push({ hour: round((i * s.stepS) / 3600), instances: s.instances[i], strategy: r.label });
    } else if (r.boundGpus) {
      const perInstance = r.instanceHours > 0 ? r.gpuHours / r.instanceHours : 8;
      const { binS, gpus } = r.boundGpus;
      const step = Math.max(1, Math.round(sampleEvery(results) / binS));
      for (let b = 0; b < gpus.length; b += step) values.push({ hour: round((b * binS) / 3600), instances: round(gpus[b] / perInstance), strategy: r.label });
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Instances over time (lower bound: GPU demand ÷ GPUs per instance)",
    width: 640,
    height: 260,
    data: { values },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
    encoding: {
      x: { field: "hour", type: "quantitative", title: "hour of the trace", scale: { nice: false } },
      y: { field: "instances", type: "quantitative", title: "instances" },
      color: { field: "strategy", type: "nominal", scale: colorScale(results), title: null, legend: { orient: "bottom", columns: 2, labelLimit: 420 } },
    },
  };
}

/** Copies per model over time for one strategy, stacked. */
export function copiesChart(result: StrategyResult, modelNames: readonly string[], palette: Map<string, string>): TopLevelSpec {
  const s = result.engine!.series;
  const values: { hour: number; copies: number; model: string }[] = [];
  // Steps only where some model's count changes: the same picture in far fewer points.
  for (const i of changes(s.copies))
    s.copies.forEach((series, m) => values.push({ hour: round((i * s.stepS) / 3600), copies: series[i], model: modelNames[m] }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Copies per model over time — ${result.label}`,
    width: 640,
    height: 260,
    data: { values },
    mark: { type: "area", interpolate: "step-after" },
    encoding: {
      x: { field: "hour", type: "quantitative", title: "hour of the trace", scale: { nice: false } },
      y: { field: "copies", type: "quantitative", stack: "zero", title: "copies (ready or starting)" },
      color: {
        field: "model",
        type: "nominal",
        scale: { domain: [...modelNames], range: modelNames.map((n) => palette.get(n)!) },
        title: "model",
        legend: { columns: 1 },
      },
      order: { field: "model" },
    },
  };
}

/** Cumulative latency distribution per simulated strategy, log time axis. */
export function latencyChart(results: readonly StrategyResult[]): TopLevelSpec {
  const values: { ms: number; fraction: number; strategy: string }[] = [];
  for (const r of results) {
    if (!r.engine) continue;
    const cdf = r.engine.latency.cdf();
    const stride = Math.max(1, Math.ceil(cdf.length / 400));
    cdf.forEach(([x, y], i) => {
      if (i % stride === 0 || i === cdf.length - 1)
        values.push({ ms: round(x), fraction: round(y * (r.engine!.latency.total / Math.max(1, r.requests))), strategy: r.label });
    });
  }
  const simulated = results.filter((r) => r.engine);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Latency distribution (share of all requests answered within x)",
      subtitle: "failed requests never arrive, so a curve ends below 1 by their share",
    },
    width: 640,
    height: 260,
    data: { values },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
    encoding: {
      x: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "latency (ms, log scale)" },
      y: { field: "fraction", type: "quantitative", title: "share of requests", scale: { domain: [0, 1] } },
      color: { field: "strategy", type: "nominal", scale: colorScale(simulated), title: null, legend: { orient: "bottom", columns: 2, labelLimit: 420 } },
    },
  };
}

/** Colours for models, fixed by their order in the portfolio. */
export function modelPalette(modelNames: readonly string[]): Map<string, string> {
  const tableau20 = [
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
    "#9ecae9",
    "#ffbf79",
    "#88d27a",
    "#ff9d98",
    "#83bcb6",
    "#f2cf5b",
    "#d6a5c9",
    "#fcbfd2",
    "#d8b5a5",
    "#79706e",
  ];
  return new Map(modelNames.map((n, i) => [n, tableau20[i % tableau20.length]]));
}

function sampleEvery(results: readonly StrategyResult[]): number {
  return results.find((r) => r.engine)?.engine?.series.stepS ?? 60;
}

/** Sample indices where any of the series changes, plus the first and the last. */
function changes(series: readonly Float64Array[]): number[] {
  const length = series[0]?.length ?? 0;
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    if (i === 0 || i === length - 1 || series.some((v) => v[i] !== v[i - 1])) out.push(i);
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
