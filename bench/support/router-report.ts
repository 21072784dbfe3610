import type { CpuUse } from "./cpu.js";
import type { StreamTiming } from "./llm.js";
import type { LoadResult } from "./load.js";
import { fixed, markdownTable, median, signed, textTable, type Table } from "./table.js";

/** What the router must reach at moderate load and flat out. */
export const routerTargets = { addedP50Ms: 0.3, addedP99Ms: 1.5, throughputOfNginx: 0.5 };

export type TargetName = "direct" | "router" | "nginx";

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
        name,
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
  const verdicts = routerVerdicts(moderate, cell("router", moderate), cell("direct", moderate)!, cell("router", maxLabel), cell("nginx", maxLabel));
  const cpuTable = cpuUseTable(m);
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
    `CPU contention: ${m.cores} cores are shared by the load generator, Berth (one Node process), the echo copy (one Node process) and nginx (1 worker, like Berth's one process).`,
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
    ...verdicts,
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
    ...verdicts.map((v) => `- ${v}`),
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
  return { text, markdown, passed: verdicts.every((v) => !v.startsWith("FAIL")) };
}

function routerVerdicts(moderate: string, router: Cell | undefined, direct: Cell, routerMax: Cell | undefined, nginxMax: Cell | undefined): string[] {
  if (!router || !routerMax) return ["SKIP  the router was not measured (--targets)"];
  const addedP50 = router.p50Ms - direct.p50Ms;
  const addedP99 = router.p99Ms - direct.p99Ms;
  return [
    verdict(addedP50 <= routerTargets.addedP50Ms, `router adds ${addedP50.toFixed(3)} ms at p50 at ${moderate} (target ≤ ${routerTargets.addedP50Ms} ms)`),
    verdict(addedP99 <= routerTargets.addedP99Ms, `router adds ${addedP99.toFixed(3)} ms at p99 at ${moderate} (target ≤ ${routerTargets.addedP99Ms} ms)`),
    nginxMax
      ? verdict(
          routerMax.reqPerSec / nginxMax.reqPerSec >= routerTargets.throughputOfNginx,
          `router reaches ${((100 * routerMax.reqPerSec) / nginxMax.reqPerSec).toFixed(0)}% of nginx's throughput (target ≥ ${100 * routerTargets.throughputOfNginx}%)`,
        )
      : "SKIP  router throughput vs nginx: nginx was not measured (not installed? apt-get install nginx-light)",
  ];
}

function verdict(ok: boolean, text: string): string {
  return `${ok ? "PASS" : "FAIL"}  ${text}`;
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
  const servers = groups.filter((g) => g !== "generator");
  return {
    head: ["target (max step)", ...groups, "everything else", "server µs CPU/req"],
    rows: m.names.map((name) => {
      const runs = m.cpu.get(name) ?? [];
      // Berth's, the copy's and nginx's CPU time per answered request, warm-up included: the cost of the path.
      const perRequest = median(runs.map((r) => (servers.reduce((sum, g) => sum + r.cpu.cores[g]!, 0) * r.cpu.seconds * 1e6) / r.answered));
      return [
        name,
        ...groups.map((g) => fixed(median(runs.map((r) => r.cpu.cores[g]!)), 2)),
        fixed(median(runs.map((r) => r.cpu.other)), 2),
        fixed(perRequest, 0),
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
        name,
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
