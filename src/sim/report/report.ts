import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import type { Simulation } from "../simulate.js";
import type { StrategyResult } from "../strategies/index.js";
import { failureReasons } from "../engine/index.js";
import { copiesChart, costChart, costOverTimeChart, instancesChart, latencyChart, modelPalette, occupancyChart, renderSvg, sloChart } from "./charts.js";
import { failureText, headlineSentences } from "./headline.js";
import { priceCaveats, traceSources } from "./sources.js";
import { fixed, headlineRows, markdownTable, percent, ratioBaseline, whole } from "./table.js";
import { plural } from "../strategies/sizing.js";

/** Rows of the GPU map shown at most; larger fleets are cut, and the caption says so. */
const maxMapRows = 60;

export interface Report {
  markdown: string;
  /** File name → chart spec. */
  charts: Map<string, TopLevelSpec>;
}

/** The report as text and chart specs; a pure function of the simulation (no wall-clock time in it). */
export function buildReport(sim: Simulation): Report {
  const { portfolio, trace, context, results } = sim;
  const names = portfolio.models.map((m) => m.name);
  const palette = modelPalette(names);
  const charts = new Map<string, TopLevelSpec>();
  const byKey = new Map(results.map((r) => [r.key, r]));
  const baseline = ratioBaseline(results);
  const before = baseline?.engine ? baseline : (byKey.get("a") ?? results.find((r) => r.engine));
  const after = byKey.get("d") ?? byKey.get("c") ?? [...results].reverse().find((r) => r.engine && r !== before);
  const out: string[] = [];
  const hours = context.workload.durationS / 3600;

  out.push(`# Berth simulation report`, "");
  if (portfolio.description) out.push(portfolio.description.trim(), "");
  out.push(
    `${names.length} models on \`${portfolio.endpoint.instanceType}\` (${portfolio.endpoint.instance.accelerators} × ${portfolio.endpoint.instance.acceleratorModel ?? "accelerator"}), ` +
      `${fixed(hours, hours < 10 ? 2 : 1)} hours of the ${traceSources[trace.format].name} (${whole(context.workload.time.length)} requests), ` +
      `at $${fixed(context.assumptions.pricePerHour, 3)} per instance-hour.`,
    "",
  );

  out.push("## Headline", "", markdownTable(headlineRows(results)), "");
  out.push(headlineSentences(results, portfolio.models).join(" "), "");
  charts.set("cost.svg", costChart(results));
  out.push("![Cost per strategy](cost.svg)", "");
  charts.set("cost-over-time.svg", costOverTimeChart(results, context.assumptions.pricePerHour));
  out.push("![Cost over time](cost-over-time.svg)", "");
  const simulatedResults = results.filter((r) => r.engine);
  if (simulatedResults.length > 0) {
    out.push("## Requests within SLO", "");
    out.push(
      "Each model's SLO is judged as the portfolio's `slo` says: `ttft`, time to first token (queueing + waiting for a starting copy + the first token), " +
        "or `e2e`, end to end (queueing + waiting + the whole response); a failed request counts as outside its SLO.",
      "",
    );
    charts.set(
      "slo.svg",
      sloChart(
        results,
        names,
        portfolio.models.map((m) => m.slo),
      ),
    );
    out.push("![Requests within SLO per model and strategy](slo.svg)", "");
    out.push(...failureSection(simulatedResults));
  }

  if (before?.engine && after?.engine) {
    out.push("## GPU occupancy at the busiest moment", "");
    out.push(
      "Each row is one instance, each cell one GPU, coloured by the model computing on it. Grey cells are held by a copy but unused " +
        "(a dedicated endpoint's copy holds the whole instance whatever the model needs); white cells are free. " +
        "The busiest moment is the sample with the most GPUs held by copies.",
      "",
    );
    for (const [file, r, word] of [
      ["occupancy-before.svg", before, "Before"],
      ["occupancy-after.svg", after, "After"],
    ] as const) {
      const snap = r.engine!.busiest;
      const shown = { ...snap, instances: snap.instances.slice(0, maxMapRows) };
      charts.set(file, occupancyChart(`${word}: ${r.label}`, shown, names, palette));
      out.push(`![${word}: ${r.label}](${file})`, "");
      if (snap.instances.length > maxMapRows) out.push(`(The first ${maxMapRows} of ${snap.instances.length} instances.)`, "");
    }
  }

  out.push("## Instances over time", "");
  charts.set("instances.svg", instancesChart(results));
  out.push("![Instances over time](instances.svg)", "");
  out.push(...consolidationLines(results));

  if (after?.engine) {
    out.push("## Copies per model over time", "");
    charts.set("copies.svg", copiesChart(after, names, palette));
    out.push(`![Copies per model, ${after.label}](copies.svg)`, "");
  }

  if (results.some((r) => r.engine)) {
    out.push("## Latency", "");
    charts.set("latency.svg", latencyChart(results));
    out.push("![Latency distribution](latency.svg)", "");
  }

  out.push("## Per model", "", markdownTable(perModelRows(sim), ["l"]), "");
  out.push(...strategySection(results), ...assumptionSection(sim), ...inputSection(sim));
  return {
    markdown:
      out
        .join("\n")
        .replace(/\n{3,}/g, "\n\n")
        .trimEnd() + "\n",
    charts,
  };
}

/** Writes report.md and the SVG charts into dir; returns the report's path. */
export async function writeReport(sim: Simulation, dir: string): Promise<string> {
  const report = buildReport(sim);
  await mkdir(dir, { recursive: true });
  for (const [file, spec] of report.charts) await writeFile(join(dir, file), await renderSvg(spec));
  const path = join(dir, "report.md");
  await writeFile(path, report.markdown);
  return path;
}

function perModelRows(sim: Simulation): string[][] {
  const simulated = sim.results.filter((r) => r.engine);
  const header = [
    "model",
    "GPUs × copy",
    "weights",
    "startup",
    "requests",
    "SLO",
    ...simulated.map((r) => `within SLO ${r.key ? `(${r.key})` : r.label}`),
    ...simulated.map((r) => `failed (${r.key})`),
    ...simulated.map((r) => `peak copies (${r.key})`),
  ];
  const rows = sim.portfolio.models.map((model, m) => [
    model.name,
    String(model.accelerators),
    model.sizeGB === undefined ? "—" : `${fixed(model.sizeGB, 1)} GB`,
    `${fixed(model.startup.seconds, 0)} s`,
    whole(sim.context.workload.requestsPerModel[m]),
    `${model.slo === "ttft" ? "TTFT" : "e2e"} ≤ ${whole(model.sloMs)} ms`,
    ...simulated.map((r) => {
      const o = r.engine!.models[m];
      return o.requests === 0 ? "—" : percent(o.withinSlo / o.requests, 2);
    }),
    ...simulated.map((r) => whole(r.engine!.models[m].failed)),
    ...simulated.map((r) => whole(r.engine!.models[m].peakCopies)),
  ]);
  return [header, ...rows];
}

function failureSection(simulated: readonly StrategyResult[]): string[] {
  const out = ["## Failed requests", ""];
  const total = simulated.reduce((n, r) => n + r.failed, 0);
  out.push(
    `A request fails when it cannot start within the hold limit. Failed requests count as outside their SLO, and as never answered (+∞) in the latency percentiles: ` +
      `a percentile that falls among them prints as "∞ (failed)".${total === 0 ? " No strategy failed a request." : ""}`,
    "",
  );
  if (total === 0) return out;
  const rows = [
    ["why", ...simulated.map((r) => r.label)],
    ...failureReasons.map((k) => [failureText[k], ...simulated.map((r) => whole(r.failedBy?.[k] ?? NaN))]),
    ["all failed requests", ...simulated.map((r) => whole(r.failed))],
  ];
  out.push(markdownTable(rows, ["l"]), "");
  return out;
}

function strategySection(results: readonly StrategyResult[]): string[] {
  const out = ["## Strategies", ""];
  for (const r of results) {
    out.push(`**${r.label}** — ${r.describe}`, "");
    for (const s of r.sizing) out.push(`- ${s}`);
    out.push("");
  }
  return out;
}

function assumptionSection(sim: Simulation): string[] {
  const a = sim.context.assumptions;
  const p = sim.portfolio;
  return [
    "## Definitions and assumptions",
    "",
    "- **GPU-hours** are provisioned: instances (launching ones included) × accelerators per instance × hours, whether or not a copy uses them. **Instance-hours** likewise; **cost** = instance-hours × price.",
    "- **Mean GPU utilization** = busy GPU-time ÷ provisioned GPU-time, where a copy's GPUs are busy while it serves at least one request.",
    "- **Baselines**: (a) gives each dedicated instance one copy of its model, whatever part of the instance the copy uses; (a2) runs as many copies (workers) on each dedicated instance as its accelerators allow, sized the same way. The headline ratio divides the cheaper baseline's cost by each column's cost, and the text under the table names it.",
    "- **Requests within SLO**: for a model with `slo: ttft`, time to first token (arrival to the start of service, which covers queueing and waiting for a starting copy, plus the latency profile's first-token time: `firstTokenMs + perInputTokenMs × input tokens`, or `latency.firstTokenMs` with `fixedMs`) no later than `sloMs`; for `slo: e2e`, the whole response no later than `sloMs`. A share of all requests: **failed** requests count as outside. **Failed**: could not start within the hold limit (the reasons are counted under Failed requests). **Held**: arrived while the model had no ready copy. **Cold starts**: a request woke a model that had no copy.",
    "- **Latency percentiles**: p50 and p99 of the latency each model's SLO judges (SLO latency) and p99 end to end, over all requests, failed ones counted as never answered (+∞).",
    "- **Lower bound (e), busy accelerator time**: Σ over requests of service time × the model's accelerators ÷ its concurrency per copy, each request from its arrival, cut at the end of the window. Whatever the placement, scaling or batching within a copy's concurrency, serving every request keeps accelerators busy at least this long; it ignores startup, queueing, idle copies and whole instances, so nothing real reaches it.",
    "- **Whole copies per model per minute (f)**: for every model and 60 s bin, ceil(mean requests in service ÷ concurrency per copy) × the model's accelerators; summed over bins and models. Not a bound: rounding each model up to whole copies each minute puts it above (e).",
    `- Service time per request: the model's latency profile (\`fixedMs\`; \`firstTokenMs + perOutputTokenMs × output tokens + perInputTokenMs × input tokens\`; or the trace's own duration). A copy serves up to \`concurrency\` requests at once; a request that finds every copy busy waits in its model's one queue (not a copy's) and is served, first come first served, by whichever copy frees a slot or becomes ready first, as the server's router does. Copies on whole GPUs do not slow each other down; copies holding shares of one GPU (\`acceleratorMemoryGiB\`) share its compute: a request runs 1 + (the other copies on its device busy when it starts) times slower, for the whole request (processor sharing).`,
    "- Routing: each request goes to the ready copy with the fewest outstanding requests; with no ready copy it waits for the first copy to become ready.",
    `- Decisions run every ${a.tickS} s of virtual time through Berth's own functions: target tracking (\`decideTargetTracking\`, with the server's metrics: InvocationsPerCopy as the sum of 1/ready copies per request per 60 s, ConcurrentRequestsPerCopy as the mean outstanding requests per ready copy per 10 s; 3 periods above target to scale out, 15 minutes below 90% to scale in, cooldowns), placement (\`place\`, BINPACK) and managed instance scaling (\`decideInstanceCount\`). A request for a model at zero copies sets its desired count to max(1, min) at once, as the server's wake does. In (d), Berth's addition: when more requests wait than the ready and starting copies absorb (each starting copy taking the concurrency target's worth), the model grows at once by what the backlog needs (\`decideBacklogGrowth\`, within maxCopies, cooldowns aside).`,
    `- Hold limit ${a.holdLimitS} s (the server's invoke timeout). A copy is ready its startup time after placement (\`startup.fixedSeconds + sizeGB ÷ startup.loadGBps\`); a new instance accepts copies ${a.instanceLaunchS} s after it is ordered; managed scaling releases an instance after ${a.idleReleaseS} s without copies.`,
    `- Warm start: when the window opens, each model already runs the copies its first ${a.warmStartBins} minutes need (at least its minimum), on the instances they need.`,
    "- A copy stopped by scale-in finishes the requests it already holds; its GPUs are free for placement at once.",
    ...(p.simulation.scalingPeriodS !== 60
      ? [
          `- The portfolio's \`simulation.scalingPeriodS\` (${p.simulation.scalingPeriodS}) is the server's time-scale knob; the simulator runs in API time and evaluates every ${a.tickS} s regardless.`,
        ]
      : []),
    `- Price: $${fixed(a.pricePerHour, 3)} per ${p.endpoint.instanceType} instance-hour, from ${a.priceSource}.`,
    ...priceCaveats.map((c) => `- ${c}`),
    "",
  ];
}

function inputSection(sim: Simulation): string[] {
  const { trace, portfolio, assignment } = sim;
  const source = traceSources[trace.format];
  const o = trace.options;
  const window = `${fixed(o.startS, 0)} s to ${Number.isFinite(o.endS) ? `${fixed(o.endS, 0)} s` : "the end"} of the trace`;
  const mapping = assignment.models.map((m) => [m.model, m.streams.map((s) => trace.streams[s].id).join(", ") || "(none)", whole(m.requests)]);
  const notes = [...portfolio.notes, ...trace.notes];
  if (assignment.unmapped.streams > 0)
    notes.push(`${assignment.unmapped.streams} trace streams (${whole(assignment.unmapped.requests)} requests) feed no model and are left out.`);
  if (assignment.idleModels.length > 0) notes.push(`No stream feeds ${assignment.idleModels.join(", ")}; they get no requests.`);
  return [
    "## Inputs",
    "",
    `- Portfolio: \`${portfolio.file}\`; mapping of trace streams to models: ${assignment.strategy}.`,
    `- Trace: \`${trace.source}\` (${trace.format}), window ${window}, speed-up ${o.speedup}, rate scale ${o.rateScale}, seed ${o.seed}.`,
    `- Trace source: ${source.name}: ${source.source}. Licence: ${source.licence}. Please cite ${source.cite}.`,
    "",
    markdownTable([["model", "trace streams", "requests"], ...mapping], ["l", "l", "r"]),
    "",
    ...(notes.length > 0 ? ["Notes:", "", ...notes.map((n) => `- ${n}`), ""] : []),
  ];
}

/** When consolidation released instances, per strategy that consolidates: the timeline of what the chart shows as steps down. */
function consolidationLines(results: readonly StrategyResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const c = r.consolidation;
    if (!c) continue;
    const shown = 20;
    const times = c.freedAtS.slice(0, shown).map((s) => `${(s / 3600).toFixed(2)} h`);
    const more = c.freedAtS.length > shown ? `, and ${c.freedAtS.length - shown} more` : "";
    out.push(
      c.freed === 0
        ? `${r.label}: consolidation freed no instance (${plural(c.moves, "copy", "copies")} moved).`
        : `${r.label}: consolidation freed ${plural(c.freed, "instance")} (${plural(c.moves, "copy", "copies")} moved, each new copy ready before the old one stopped), at ${times.join(", ")}${more}.`,
      "",
    );
  }
  return out;
}
