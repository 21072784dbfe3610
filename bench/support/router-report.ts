import type { CpuUse } from "./cpu.js";
import type { StreamTiming } from "./llm.js";
import type { LoadResult } from "./load.js";
import { fixed, markdownTable, median, signed, textTable, type Table } from "./table.js";

/** What the router must reach (issue 16): at 1,000 req/s, and flat out on one core against nginx's one worker. */
export const routerTargets = { addedP50Ms: 0.25, addedP99Ms: 1.0, throughputOfNginx: 0.6, cpuUsPerRequest: 70 };

/**
 * router2: Berth with --router-workers 2; floor: node:http and undici relaying with nothing else
 * (support/node-floor-proxy.ts); floor-uws: the same with uWebSockets.js's server, measured only when named.
 */
export type TargetName = "direct" | "router" | "router2" | "nginx" | "floor" | "floor-uws";

export const targetLabels: Record<TargetName, string> = {
  direct: "direct",
  router: "router",
  router2: "router ×2 workers",
  nginx: "nginx",
  floor: "Node floor (node:http + undici only)",
  "floor-uws": "Node floor (uWebSockets.js + undici only)",
};

export interface Step {
  label: string;
  /** Requests per second; 0 for the closed-loop (max) step. */
  rate: number;
}

/** Everything the router benchmark measured, as data; rendering is below. */
export interface RouterMeasurements {
  machine: string;
  cores: number;
  /** Process groups whose CPU use was measured: the generator, Berth, the echo copy, nginx. */
  cpuGroups: string[];
  names: TargetName[];
  steps: Step[];
  /** Per target and step label, one result per round. */
  samples: Map<string, LoadResult[]>;
  /** Per target, the max step's CPU use and answered requests, one per round. */
  cpu: Map<TargetName, { cpu: CpuUse; answered: number }[]>;
  /** Cores other work on the machine used, one per step run. */
  otherLoad: number[];
  /** Each proxy's own process group in cpuGroups (Berth and its workers, nginx), for its CPU per request. */
  proxyGroups: Partial<Record<TargetName, string>>;
  /** Where each process ran (taskset), in words. */
  pinning: string;
  logLinesDuringLoad: number;
  llm?: { router: StreamTiming[]; raw: StreamTiming[]; direct: StreamTiming[] };
  settings: {
    bodyBytes: number;
    rounds: number;
    warmupMs: number;
    stepMs: number;
    maxMs: number;
    connections: number;
    llmRequests: number;
    maxOtherCores: number;
    attempts: number;
  };
}

export interface RouterReport {
  text: string;
  markdown: string;
  passed: boolean;
}

interface Cell {
  p50Ms: number;
  p99Ms: number;
  reqPerSec: number;
}

export function renderRouterReport(m: RouterMeasurements): RouterReport {
  const cell = (name: TargetName, label: string): Cell | undefined => {
    const runs = m.samples.get(`${name}|${label}`);
    if (!runs) return undefined;
    return { p50Ms: median(runs.map((r) => r.p50Ms)), p99Ms: median(runs.map((r) => r.p99Ms)), reqPerSec: median(runs.map((r) => r.reqPerSec)) };
  };
  const maxLabel = m.steps.find((s) => s.rate === 0)!.label;
  const rates = m.steps.filter((s) => s.rate > 0);
  const moderate = rates[Math.floor(rates.length / 2)]!.label;

  const rows: string[][] = [];
  for (const name of m.names) {
    for (const step of m.steps) {
      const c = cell(name, step.label)!;
      const direct = cell("direct", step.label)!;
      const nginx = cell("nginx", maxLabel);
      const proxy = name !== "direct";
      rows.push([
        targetLabels[name],
        step.label,
        fixed(c.p50Ms, 3),
        fixed(c.p99Ms, 3),
        c.reqPerSec.toFixed(0),
        proxy ? signed(c.p50Ms - direct.p50Ms, 3) : "",
        proxy ? signed(c.p99Ms - direct.p99Ms, 3) : "",
        step.rate === 0 && nginx ? `${((100 * c.reqPerSec) / nginx.reqPerSec).toFixed(0)}%` : "",
      ]);
    }
  }
  const table: Table = {
    head: ["target", "load", "p50 ms", "p99 ms", "req/s", "+p50 ms vs direct", "+p99 ms vs direct", "req/s % of nginx"],
    rows,
    right: [2, 3, 4, 5, 6, 7],
  };
  const cpuTable = cpuUseTable(m);
  const usPerRequest = (name: TargetName) => proxyUsPerRequest(m, name);
  const targets = targetTable(m, moderate, maxLabel, cell, usPerRequest);
  const verdicts = targets.rows.filter((r) => r[4] === "FAIL").map((r) => `FAIL  ${r[0]}: ${r[2]} (target ${r[1]})`);
  const llmTable: Table | undefined = m.llm && {
    head: ["LLM, streamed (128 new tokens)", "p50 TTFT ms", "mean tokens/s", "tokens per request"],
    rows: [
      llmRow("router, AWS SDK InvokeEndpointWithResponseStream", m.llm.router),
      llmRow("router, plain HTTP (undici, event stream unframed)", m.llm.raw),
      llmRow("direct to the copy (X-Berth-Stream: true)", m.llm.direct),
    ],
    right: [1, 2, 3],
  };
  const s = m.settings;
  const method = [
    `Body: ${s.bodyBytes} bytes of JSON, POST to the echo copy's /invocations. Open-loop steps: ${s.warmupMs / 1000} s warm-up, then ${s.stepMs / 1000} s at the rate;`,
    `closed loop: ${s.connections} connections for ${s.maxMs / 1000} s after ${s.warmupMs / 1000} s warm-up. Each cell is the median of ${s.rounds} rounds, targets in rotating order.`,
    `${sustained(m, rates)} Moderate load is ${moderate}. Latency runs from handing the request to the client to its last response byte (undici in a separate generator process, µs resolution).`,
    `CPU: ${m.pinning} nginx runs 1 worker. CPU per request is the proxy's own processes' CPU time (user + system, from /proc) over the requests answered in the max step, warm-up included.`,
    `Flat out, the generator and the servers compete for the same cores, so req/s measures the whole machine; the CPU table shows who used it. Berth printed ${m.logLinesDuringLoad} log lines during the load steps.`,
    `Other work on the machine used a median ${median(m.otherLoad).toFixed(2)} cores during the steps: each step waits for a quiet machine (under ${s.maxOtherCores} cores busy elsewhere) and is redone, up to ${s.attempts} times in all, if it was disturbed.`,
  ];
  const llmNote =
    `${s.llmRequests} sequential requests per path, taking turns. TTFT: from sending the request to the first PayloadPart (SDK), the first event-stream message (plain HTTP) or the first body chunk (direct). ` +
    "tokens/s: tokens after the first over the time from the first to the last token. The SDK row includes the client's own work (signing, event-stream decoding with CRC checks), which competes with the model for the same cores.";
  const cpuTitle = "CPU used during the max-throughput step (cores; median of rounds):";
  const text = [
    `Router benchmark (${m.machine})`,
    "",
    textTable(table),
    "",
    "Targets:",
    textTable(targets),
    ...(verdicts.length > 0 ? ["", ...verdicts] : []),
    "",
    cpuTitle,
    textTable(cpuTable),
    ...(llmTable ? ["", textTable(llmTable), llmNote] : []),
    "",
    ...method,
  ].join("\n");
  const markdown = [
    "## Router benchmark",
    "",
    `\`npm run bench:router\` on ${m.machine}.`,
    "",
    markdownTable(table),
    "",
    markdownTable(targets),
    "",
    cpuTitle,
    "",
    markdownTable(cpuTable),
    ...(llmTable ? ["", markdownTable(llmTable), "", llmNote] : []),
    "",
    method.join(" "),
    "",
    "<details><summary>Every round</summary>",
    "",
    markdownTable(roundsTable(m)),
    "",
    "</details>",
    "",
  ].join("\n");
  return { text, markdown, passed: targets.rows.every((r) => r[4] !== "FAIL") };
}

/**
 * The issue's targets, one row each, PASS or FAIL; a target that could not be measured (a baseline missing,
 * a target left out with --targets) FAILs. The router ×2 row is shown beside them, without a target.
 */
function targetTable(
  m: RouterMeasurements,
  moderate: string,
  maxLabel: string,
  cell: (name: TargetName, label: string) => Cell | undefined,
  usPerRequest: (name: TargetName) => number,
): Table {
  const t = routerTargets;
  const direct = cell("direct", moderate);
  const router = cell("router", moderate);
  const routerMax = cell("router", maxLabel);
  const nginxMax = cell("nginx", maxLabel);
  const missing = (what: string) =>
    m.names.includes("nginx") || what !== "nginx" ? `not measured (--targets left out ${what})` : "not measured: nginx is missing";
  const row = (name: string, goal: string, value: number | undefined, shown: string, ok: (v: number) => boolean, baseline: string): string[] =>
    value === undefined || Number.isNaN(value) ? [name, goal, shown, baseline, "FAIL"] : [name, goal, shown, baseline, ok(value) ? "PASS" : "FAIL"];
  const addedP50 = router && direct ? router.p50Ms - direct.p50Ms : undefined;
  const addedP99 = router && direct ? router.p99Ms - direct.p99Ms : undefined;
  const routerCpu = m.names.includes("router") ? usPerRequest("router") : undefined;
  const nginxCpu = m.names.includes("nginx") ? usPerRequest("nginx") : undefined;
  const floorCpu = m.names.includes("floor") ? usPerRequest("floor") : undefined;
  const uwsFloorCpu = m.names.includes("floor-uws") ? usPerRequest("floor-uws") : undefined;
  const share = routerMax && nginxMax ? routerMax.reqPerSec / nginxMax.reqPerSec : undefined;
  const rows = [
    row(
      "router CPU per request (1 worker, max step)",
      `≤ ${t.cpuUsPerRequest} µs`,
      routerCpu,
      routerCpu === undefined ? missing("router") : `${routerCpu.toFixed(0)} µs`,
      (v) => v <= t.cpuUsPerRequest,
      [
        nginxCpu === undefined ? "" : `nginx ${nginxCpu.toFixed(0)} µs`,
        floorCpu === undefined ? "" : `Node floor ${floorCpu.toFixed(0)} µs`,
        uwsFloorCpu === undefined ? "" : `uWebSockets.js floor ${uwsFloorCpu.toFixed(0)} µs`,
      ]
        .filter(Boolean)
        .join(", "),
    ),
    row(
      "router throughput, share of nginx's (one core each)",
      `≥ ${100 * t.throughputOfNginx}%`,
      share,
      share === undefined ? missing(routerMax ? "nginx" : "router") : `${(100 * share).toFixed(0)}%`,
      (v) => v >= t.throughputOfNginx,
      routerMax && nginxMax ? `${routerMax.reqPerSec.toFixed(0)} vs ${nginxMax.reqPerSec.toFixed(0)} req/s` : "",
    ),
    row(
      `added latency p50 at ${moderate}`,
      `≤ ${t.addedP50Ms} ms`,
      addedP50,
      addedP50 === undefined ? missing("router") : `${signed(addedP50, 3)} ms`,
      (v) => v <= t.addedP50Ms,
      direct ? `direct ${fixed(direct.p50Ms, 3)} ms` : "",
    ),
    row(
      `added latency p99 at ${moderate}`,
      `≤ ${t.addedP99Ms} ms`,
      addedP99,
      addedP99 === undefined ? missing("router") : `${signed(addedP99, 3)} ms`,
      (v) => v <= t.addedP99Ms,
      direct ? `direct ${fixed(direct.p99Ms, 3)} ms` : "",
    ),
  ];
  if (routerCpu !== undefined && floorCpu !== undefined && !Number.isNaN(floorCpu)) {
    const floorMax = cell("floor", maxLabel);
    rows.push([
      "router CPU above the Node floor (no target)",
      "",
      `${signed(routerCpu - floorCpu, 0)} µs`,
      `floor ${floorCpu.toFixed(0)} µs${floorMax && nginxMax ? `, ${((100 * floorMax.reqPerSec) / nginxMax.reqPerSec).toFixed(0)}% of nginx's req/s` : ""}${floorCpu > t.cpuUsPerRequest ? `: above the ${t.cpuUsPerRequest} µs target` : ""}`,
      "",
    ]);
  }
  const uwsMax = cell("floor-uws", maxLabel);
  if (uwsFloorCpu !== undefined && uwsMax) {
    rows.push([
      "Node floor with uWebSockets.js's server, max step (no target)",
      "",
      `${fixed(uwsFloorCpu, 0)} µs CPU/req, ${uwsMax.reqPerSec.toFixed(0)} req/s${nginxMax ? `, ${((100 * uwsMax.reqPerSec) / nginxMax.reqPerSec).toFixed(0)}% of nginx's` : ""}`,
      "",
      "",
    ]);
  }
  const two = cell("router2", maxLabel);
  if (two) {
    const twoCpu = usPerRequest("router2");
    rows.push([
      "router ×2 workers, max step (no target)",
      "",
      `${two.reqPerSec.toFixed(0)} req/s${nginxMax ? `, ${((100 * two.reqPerSec) / nginxMax.reqPerSec).toFixed(0)}% of nginx` : ""}, ${fixed(twoCpu, 0)} µs CPU/req`,
      "",
      "",
    ]);
  }
  return { head: ["target", "goal", "measured", "baseline", "result"], rows };
}

/** A proxy's own CPU time per request answered in the max step, median of rounds. */
function proxyUsPerRequest(m: RouterMeasurements, name: TargetName): number {
  const group = m.proxyGroups[name];
  const runs = m.cpu.get(name) ?? [];
  if (!group || runs.length === 0) return NaN;
  return median(runs.map((r) => (r.cpu.cores[group]! * r.cpu.seconds * 1e6) / r.answered));
}

/** Says whether every target kept up with every rate: the latency rows mean little otherwise. */
function sustained(m: RouterMeasurements, rates: Step[]): string {
  const short: string[] = [];
  for (const step of rates) {
    for (const name of m.names) {
      const runs = m.samples.get(`${name}|${step.label}`) ?? [];
      if (runs.some((r) => r.reqPerSec < 0.98 * step.rate || r.skipped > 0 || r.failed > 0)) short.push(`${name} at ${step.label}`);
    }
  }
  const list = rates.map((s) => s.rate).join(", ");
  return short.length === 0
    ? `Every target sustained ${list} req/s in every round (answers within 2% of the rate, none skipped or failed).`
    : `NOT SUSTAINED (fewer answers than the rate, or some skipped or failed): ${short.join("; ")}.`;
}

function cpuUseTable(m: RouterMeasurements): Table {
  const groups = m.cpuGroups;
  return {
    head: ["target (max step)", ...groups, "everything else", "proxy µs CPU/req"],
    rows: m.names.map((name) => {
      const runs = m.cpu.get(name) ?? [];
      return [
        targetLabels[name],
        ...groups.map((g) => fixed(median(runs.map((r) => r.cpu.cores[g]!)), 2)),
        fixed(median(runs.map((r) => r.cpu.other)), 2),
        name === "direct" ? "" : fixed(proxyUsPerRequest(m, name), 0),
      ];
    }),
    right: [...groups, "other", "per request"].map((_, i) => i + 1),
  };
}

function llmRow(label: string, timings: StreamTiming[]): string[] {
  return [
    label,
    fixed(median(timings.map((t) => t.ttftMs)), 1),
    fixed(mean(timings.map((t) => t.tokensPerSec)), 1),
    fixed(mean(timings.map((t) => t.tokens)), 0),
  ];
}

function roundsTable(m: RouterMeasurements): Table {
  const rows: string[][] = [];
  for (const step of m.steps) {
    for (const name of m.names) {
      const runs = m.samples.get(`${name}|${step.label}`) ?? [];
      rows.push([
        targetLabels[name],
        step.label,
        runs.map((r) => fixed(r.p50Ms, 3)).join(" / "),
        runs.map((r) => fixed(r.p99Ms, 3)).join(" / "),
        runs.map((r) => r.reqPerSec.toFixed(0)).join(" / "),
      ]);
    }
  }
  return { head: ["target", "load", "p50 ms per round", "p99 ms per round", "req/s per round"], rows };
}

function mean(values: number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  return kept.length === 0 ? NaN : kept.reduce((a, b) => a + b, 0) / kept.length;
}
