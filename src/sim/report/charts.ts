import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { OccupancySnapshot } from "../engine/index.js";
import type { StrategyResult } from "../strategies/index.js";
import { percent } from "./table.js";

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

/** Strategy colours: the "before" family warm, the packed family cool, the bounds grey. */
const strategyColors: Record<string, string> = { a: "#d62728", a2: "#8c564b", b: "#ff7f0e", c: "#1f77b4", d: "#2ca02c", e: "#7f7f7f", f: "#bcbd22" };
const spare = ["#9467bd", "#e377c2", "#17becf", "#393b79", "#637939"];
/** One dash pattern per strategy, so lines drawn on top of each other stay visible. */
const dashes = [
  [1, 0],
  [8, 4],
  [2, 3],
  [10, 3, 2, 3],
  [4, 2],
  [1, 5],
  [12, 2, 2, 2, 2, 2],
  [6, 6],
];

function colorScale(results: readonly StrategyResult[]): { domain: string[]; range: string[] } {
  let k = 0;
  return { domain: results.map((r) => r.label), range: results.map((r) => strategyColors[r.key] ?? spare[k++ % spare.length]) };
}

function dashScale(results: readonly StrategyResult[]): { domain: string[]; range: number[][] } {
  return { domain: results.map((r) => r.label), range: results.map((_, i) => dashes[i % dashes.length]) };
}

const bottomLegend = { orient: "bottom", columns: 2, labelLimit: 420, symbolStrokeWidth: 2, symbolSize: 300 } as const;

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

/** Provisioned instances over time, one small panel per strategy on a shared scale, so no line hides another. */
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
    title: { text: "Instances over time, one panel per strategy", subtitle: "computed columns: accelerators in use ÷ accelerators per instance" },
    data: { values },
    facet: {
      row: {
        field: "strategy",
        type: "nominal",
        sort: results.map((r) => r.label),
        title: null,
        header: { labelAngle: 0, labelAlign: "left", labelLimit: 420 },
      },
    },
    spacing: 6,
    spec: {
      width: 640,
      height: 70,
      mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
      encoding: {
        x: { field: "hour", type: "quantitative", title: "hour of the trace", scale: { nice: false } },
        y: { field: "instances", type: "quantitative", title: "instances" },
        color: { field: "strategy", type: "nominal", scale: colorScale(results), legend: null },
      },
    },
  } as TopLevelSpec;
}

/** Cumulative cost over time per strategy, each line in its own colour and dash pattern. */
export function costOverTimeChart(results: readonly StrategyResult[], pricePerHour: number): TopLevelSpec {
  const values: { hour: number; usd: number; strategy: string }[] = [];
  for (const r of results) {
    if (r.engine) {
      const s = r.engine.series;
      for (let i = 0; i < s.instanceSeconds.length; i++)
        values.push({ hour: round((i * s.stepS) / 3600), usd: round((s.instanceSeconds[i] * pricePerHour) / 3600), strategy: r.label });
      values.push({ hour: round(r.engine.durationS / 3600), usd: round(r.cost), strategy: r.label });
    } else if (r.boundGpus) {
      const perInstance = r.instanceHours > 0 ? r.gpuHours / r.instanceHours : 8;
      const { binS, gpus } = r.boundGpus;
      const step = Math.max(1, Math.round(sampleEvery(results) / binS));
      let usd = 0;
      for (let b = 0; b < gpus.length; b++) {
        if (b % step === 0) values.push({ hour: round((b * binS) / 3600), usd: round(usd), strategy: r.label });
        usd += (gpus[b] / perInstance) * pricePerHour * (binS / 3600);
      }
      values.push({ hour: round((gpus.length * binS) / 3600), usd: round(r.cost), strategy: r.label });
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Cost over time (USD spent since the window opened)", subtitle: "each strategy in its own colour and dash pattern" },
    width: 640,
    height: 260,
    data: { values },
    mark: { type: "line", strokeWidth: 1.8 },
    encoding: {
      x: { field: "hour", type: "quantitative", title: "hour of the trace", scale: { nice: false } },
      y: { field: "usd", type: "quantitative", title: "USD, cumulative" },
      color: { field: "strategy", type: "nominal", scale: colorScale(results), title: null, legend: bottomLegend },
      strokeDash: { field: "strategy", type: "nominal", scale: dashScale(results), title: null, legend: bottomLegend },
    },
  } as TopLevelSpec;
}

/** Requests within SLO per model and per strategy (with an "all models" row), as a labelled grid. */
/** Rows of the SLO grid shown at most; larger portfolios show their busiest models, and the subtitle says so. */
const maxSloRows = 40;

export function sloChart(results: readonly StrategyResult[], modelNames: readonly string[], measures: readonly string[]): TopLevelSpec {
  const simulated = results.filter((r) => r.engine);
  const all = "all models";
  const requests = simulated[0]?.engine?.models.map((o) => o.requests) ?? [];
  const shown = new Set(
    modelNames
      .map((_, m) => m)
      .sort((x, y) => (requests[y] ?? 0) - (requests[x] ?? 0) || x - y)
      .slice(0, maxSloRows),
  );
  const values: { strategy: string; model: string; within: number; label: string }[] = [];
  for (const r of simulated) {
    const share = (within: number, requests: number) => (requests > 0 ? within / requests : NaN);
    const push = (model: string, within: number, requests: number) => {
      const v = share(within, requests);
      if (Number.isFinite(v)) values.push({ strategy: r.label, model, within: round(v * 100), label: percent(v, 2) });
    };
    push(all, r.withinSlo, r.requests);
    r.engine!.models.forEach((o, m) => shown.has(m) && push(`${modelNames[m]} (${measures[m]})`, o.withinSlo, o.requests));
  }
  const rows = [all, ...modelNames.flatMap((n, m) => (shown.has(m) ? [`${n} (${measures[m]})`] : []))];
  const cut = modelNames.length > maxSloRows ? `; the ${maxSloRows} models with the most requests of ${modelNames.length}` : "";
  const encoding = {
    x: { field: "strategy", type: "nominal", sort: simulated.map((r) => r.label), title: null, axis: { labelAngle: -20, labelLimit: 220, orient: "top" } },
    y: { field: "model", type: "nominal", sort: rows, title: null, axis: { labelLimit: 260 } },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Requests within SLO, per model and strategy",
      subtitle: `ttft: time to first token; e2e: end to end; failed requests count as missed${cut}`,
    },
    data: { values },
    width: { step: 110 },
    height: { step: 20 },
    layer: [
      {
        mark: { type: "rect", stroke: "#ffffff" },
        encoding: {
          ...encoding,
          // Thresholds, not a gradient: a gradient legend's SVG id changes from one rendering to the next.
          color: {
            field: "within",
            type: "quantitative",
            title: "% within SLO",
            scale: { type: "threshold", domain: [95, 99, 99.9], range: ["#d62728", "#fdae61", "#abd9e9", "#2c7bb6"] },
          },
        },
      },
      { mark: { type: "text", fontSize: 10 }, encoding: { ...encoding, text: { field: "label" } } },
    ],
  } as TopLevelSpec;
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
      x: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "end-to-end latency (ms, log scale)" },
      y: { field: "fraction", type: "quantitative", title: "share of requests", scale: { domain: [0, 1] } },
      color: { field: "strategy", type: "nominal", scale: colorScale(simulated), title: null, legend: bottomLegend },
      strokeDash: { field: "strategy", type: "nominal", scale: dashScale(simulated), title: null, legend: bottomLegend },
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

/** One point of a cost frontier: a setting, its cost ratio against the baseline and its SLO attainment. */
export interface FrontierChartPoint {
  /** Drawn next to the point (a row number of the frontier table: full labels would overlap). */
  key: string;
  feature: string;
  ratio: number;
  attainment: number;
}

/** Cost ratio against SLO attainment, one numbered point per setting, coloured by the feature it moves; the target as two rules. */
export function frontierChart(points: readonly FrontierChartPoint[], target: { ratio: number; attainment: number }, baseline: string): TopLevelSpec {
  const values = points.map((p) => ({ key: p.key, feature: p.feature, ratio: round(p.ratio), slo: round(p.attainment * 100) }));
  const sloMin = Math.min(target.attainment * 100, ...values.map((v) => v.slo));
  const x = {
    field: "slo",
    type: "quantitative",
    title: "requests within SLO (%), failed ones counted",
    scale: { domain: [Math.floor(sloMin * 10) / 10 - 0.1, 100], zero: false },
  } as const;
  const y = { field: "ratio", type: "quantitative", title: `cost ratio: ${baseline} ÷ this`, scale: { zero: true } } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Cost ratio against SLO attainment, as settings move", subtitle: "numbers: rows of the frontier table; dashed: the target" },
    width: 640,
    height: 420,
    layer: [
      {
        data: { values: [{ ratio: target.ratio }] },
        mark: { type: "rule", strokeDash: [6, 4], color: "#555" },
        encoding: { y: { field: "ratio", type: "quantitative" } },
      },
      {
        data: { values: [{ slo: target.attainment * 100 }] },
        mark: { type: "rule", strokeDash: [6, 4], color: "#555" },
        encoding: { x: { field: "slo", type: "quantitative" } },
      },
      {
        data: { values },
        mark: { type: "point", filled: true, size: 90 },
        encoding: { x, y, color: { field: "feature", type: "nominal", title: "what moves", legend: bottomLegend } },
      },
      { data: { values }, mark: { type: "text", align: "left", dx: 6, dy: -6, fontSize: 10 }, encoding: { x, y, text: { field: "key" } } },
    ],
  } as TopLevelSpec;
}
