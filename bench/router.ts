import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { request } from "undici";
import { createComponent, createEndpoint, startBerth } from "./support/berth.js";
import { childPids, quietest, type CpuUse, type QuietOptions } from "./support/cpu.js";
import { streamDirect, streamThroughRouter, type StreamTiming } from "./support/llm.js";
import { LoadGenerator, type LoadResult, type LoadTarget } from "./support/load.js";
import { findNginx, startNginx } from "./support/nginx.js";
import { cleanUpOnSignals, cleanupAll } from "./support/processes.js";
import { fixed, markdownTable, median, signed, textTable, type Table } from "./support/table.js";

/**
 * Router benchmark: the same small POST sent straight to an echo copy, through Berth's router, and
 * through nginx proxying to the same copy, at fixed rates (open loop) and flat out (closed loop); then
 * an LLM's time to first token and decode speed through the router and straight from its copy.
 */
export interface RouterBenchOptions {
  /** Every step runs once per round, targets in rotating order; the table shows medians over rounds. */
  rounds: number;
  /** Open-loop request rates (req/s); the middle one is "moderate load" for the targets. */
  rates: number[];
  warmupMs: number;
  stepMs: number;
  /** Closed-loop step: requests in flight and duration. */
  connections: number;
  maxMs: number;
  /** Sequential streamed LLM requests per path; 0 skips the LLM part. */
  llmRequests: number;
  markdownPath: string;
  /** Steps wait for, and are redone unless they got, a machine otherwise this quiet (see quietest). */
  quiet: QuietOptions;
  /** Restricts the load steps to some targets (when profiling one); direct is always measured. */
  targets?: TargetName[];
  /** Node flags for the Berth process, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]. */
  berthNodeArgs?: string[];
}

export const defaultRouterBenchOptions: RouterBenchOptions = {
  rounds: 3,
  rates: [200, 1000, 2000],
  warmupMs: 1_000,
  stepMs: 4_000,
  connections: 32,
  maxMs: 5_000,
  llmRequests: 10,
  markdownPath: "bench-results/router.md",
  quiet: { maxOtherCores: 0.15, attempts: 4, patienceMs: 20_000 },
};

/** What the router must reach at moderate load and flat out. */
export const routerTargets = { addedP50Ms: 0.3, addedP99Ms: 1.5, throughputOfNginx: 0.5 };

type TargetName = "direct" | "router" | "nginx";
interface Cell {
  p50Ms: number;
  p99Ms: number;
  reqPerSec: number;
}

export interface RouterBenchReport {
  text: string;
  markdown: string;
  passed: boolean;
}

const body = paddedJson(256);

export async function runRouterBenchmark(overrides: Partial<RouterBenchOptions> = {}): Promise<RouterBenchReport> {
  const options = { ...defaultRouterBenchOptions, ...overrides };
  cleanUpOnSignals();
  try {
    return await measure(options);
  } finally {
    await cleanupAll();
  }
}

async function measure(options: RouterBenchOptions): Promise<RouterBenchReport> {
  const log = (line: string) => console.error(`[bench:router] ${line}`);
  const nginxBinary = findNginx();
  if (!nginxBinary) log("nginx is not installed, so the nginx column is skipped. To compare with nginx: apt-get install nginx-light");

  log("starting berth server and creating an endpoint with a berth/echo component");
  const berth = await startBerth({ nodeArgs: options.berthNodeArgs });
  const endpoint = "bench-router";
  await createEndpoint(berth, endpoint);
  const echo = await createComponent(berth, { endpoint, name: "bench-echo", image: "berth/echo", cpuCores: 1, memoryMiB: 1024 });
  const wanted = (name: TargetName) => name === "direct" || !options.targets || options.targets.includes(name);
  const nginx = nginxBinary && wanted("nginx") ? await startNginx(nginxBinary, echo.port) : undefined;

  const json = { "content-type": "application/json" };
  const targets = new Map<TargetName, LoadTarget>([["direct", { origin: `http://127.0.0.1:${echo.port}`, path: "/invocations", headers: json, body }]]);
  if (wanted("router")) targets.set("router", { origin: berth.url, path: `/endpoints/${endpoint}/invocations`, headers: { ...json, "x-amzn-sagemaker-inference-component": "bench-echo" }, body });
  if (nginx) targets.set("nginx", { origin: `http://127.0.0.1:${nginx.port}`, path: "/invocations", headers: json, body });
  for (const [name, target] of targets) await checkEchoes(name, target);

  const generator = LoadGenerator.start();
  const names = [...targets.keys()];
  const cpuGroups: Record<string, number[]> = { generator: [generator.pid], berth: [berth.pid], "echo copy": [echo.pid ?? 0] };
  if (nginx) cpuGroups.nginx = [nginx.pid, ...childPids(nginx.pid)];

  log(`warming up every target (${names.join(", ")})`);
  for (const name of names) await generator.run({ kind: "max", target: targets.get(name)!, connections: options.connections, warmupMs: 0, durationMs: 2_000 });

  const steps = [...options.rates.map((rate) => ({ label: `${rate} req/s`, rate })), { label: `max, ${options.connections} conn`, rate: 0 }];
  const samples = new Map<string, LoadResult[]>();
  const cores = new Map<TargetName, CpuUse[]>();
  const others: number[] = [];
  const logLinesBefore = berth.logLines();
  for (let round = 0; round < options.rounds; round++) {
    for (const step of steps) {
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      for (const name of order) {
        const target = targets.get(name)!;
        const job = step.rate > 0
          ? { kind: "rate" as const, target, rate: step.rate, warmupMs: options.warmupMs, durationMs: options.stepMs }
          : { kind: "max" as const, target, connections: options.connections, warmupMs: options.warmupMs, durationMs: options.maxMs };
        const { result, cpu, attempts } = await quietest(cpuGroups, options.quiet, () => generator.run(job));
        if (step.rate === 0) cores.set(name, [...(cores.get(name) ?? []), cpu]);
        others.push(cpu.other);
        if (result.failed > 0 || result.skipped > 0) log(`${name} ${step.label}: ${result.failed} failed, ${result.skipped} skipped${result.firstError ? ` (${result.firstError})` : ""}`);
        const key = `${name}|${step.label}`;
        samples.set(key, [...(samples.get(key) ?? []), result]);
        const noise = `other load ${cpu.other.toFixed(2)} cores${attempts > 1 ? ` (quietest of ${attempts} tries)` : ""}`;
        log(`round ${round + 1}/${options.rounds} ${name.padEnd(6)} ${step.label.padEnd(14)} p50 ${fixed(result.p50Ms, 3)} ms  p99 ${fixed(result.p99Ms, 3)} ms  ${result.reqPerSec.toFixed(0)} req/s  ${noise}`);
      }
    }
  }
  const logLinesDuringLoad = berth.logLines() - logLinesBefore;
  await generator.stop();

  let llm: { router: StreamTiming[]; direct: StreamTiming[] } | undefined;
  if (options.llmRequests > 0) {
    log("creating a berth/llm component on the same endpoint");
    const llmCopy = await createComponent(berth, { endpoint, name: "bench-llm", image: "berth/llm", accelerators: 1, cpuCores: 1, memoryMiB: 1024 });
    llm = { router: [], direct: [] };
    await streamThroughRouter(berth.runtime, endpoint, "bench-llm");
    await streamDirect(llmCopy.port);
    for (let i = 0; i < options.llmRequests; i++) {
      // Alternating keeps both paths under the same conditions.
      llm.router.push(await streamThroughRouter(berth.runtime, endpoint, "bench-llm"));
      llm.direct.push(await streamDirect(llmCopy.port));
    }
    log(`LLM: ${options.llmRequests} streamed generations per path done`);
  }

  const cell = (name: TargetName, label: string): Cell | undefined => {
    const runs = samples.get(`${name}|${label}`);
    if (!runs) return undefined;
    return { p50Ms: median(runs.map((r) => r.p50Ms)), p99Ms: median(runs.map((r) => r.p99Ms)), reqPerSec: median(runs.map((r) => r.reqPerSec)) };
  };
  const maxLabel = steps[steps.length - 1]!.label;
  const moderate = steps[Math.floor(options.rates.length / 2)]!.label;
  const rows: string[][] = [];
  for (const name of names) {
    for (const step of steps) {
      const c = cell(name, step.label)!;
      const direct = cell("direct", step.label)!;
      const viaNginx = cell("nginx", maxLabel);
      const proxy = name !== "direct";
      rows.push([
        name,
        step.label,
        fixed(c.p50Ms, 3),
        fixed(c.p99Ms, 3),
        c.reqPerSec.toFixed(0),
        proxy ? signed(c.p50Ms - direct.p50Ms, 3) : "",
        proxy ? signed(c.p99Ms - direct.p99Ms, 3) : "",
        step.rate === 0 && viaNginx ? `${((100 * c.reqPerSec) / viaNginx.reqPerSec).toFixed(0)}%` : "",
      ]);
    }
  }
  const table: Table = { head: ["target", "load", "p50 ms", "p99 ms", "req/s", "+p50 ms vs direct", "+p99 ms vs direct", "req/s % of nginx"], rows, right: [2, 3, 4, 5, 6, 7] };

  const verdicts = routerVerdicts({ moderate, atModerate: cell("router", moderate), directAtModerate: cell("direct", moderate)!, flatOut: cell("router", maxLabel), nginxFlatOut: cell("nginx", maxLabel) });
  const passed = verdicts.every((v) => !v.startsWith("FAIL"));

  const cpuTable: Table = {
    head: ["target (max step)", ...Object.keys(cpuGroups), "everything else"],
    rows: names.map((name) => [name, ...Object.keys(cpuGroups).map((group) => fixed(median((cores.get(name) ?? []).map((c) => c.cores[group]!)), 2)), fixed(median((cores.get(name) ?? []).map((c) => c.other)), 2)]),
    right: [...Object.keys(cpuGroups), "other"].map((_, i) => i + 1),
  };
  const llmTable: Table | undefined = llm && {
    head: ["LLM, streamed (128 new tokens)", "p50 TTFT ms", "mean tokens/s", "tokens per request"],
    rows: [
      ["router (SDK, InvokeEndpointWithResponseStream)", fixed(median(llm.router.map((t) => t.ttftMs)), 1), fixed(mean(llm.router.map((t) => t.tokensPerSec)), 1), fixed(mean(llm.router.map((t) => t.tokens)), 0)],
      ["direct to the copy (X-Berth-Stream: true)", fixed(median(llm.direct.map((t) => t.ttftMs)), 1), fixed(mean(llm.direct.map((t) => t.tokensPerSec)), 1), fixed(mean(llm.direct.map((t) => t.tokens)), 0)],
    ],
    right: [1, 2, 3],
  };

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}${nginx ? `, nginx ${nginx.version}` : ""}, load average before ${loadavg()[0]!.toFixed(2)}`;
  const method = [
    `Body: ${Buffer.byteLength(body)} bytes of JSON, POST to the echo copy's /invocations. Open-loop steps: ${options.warmupMs / 1000} s warm-up then ${options.stepMs / 1000} s at the rate;`,
    `closed loop: ${options.connections} connections for ${options.maxMs / 1000} s after ${options.warmupMs / 1000} s warm-up. Each cell is the median of ${options.rounds} rounds, targets in rotating order.`,
    `Moderate load is ${moderate}. Latency is from handing the request to the client to its last response byte (undici in a separate generator process, µs resolution).`,
    `CPU contention: ${cpus().length} cores are shared by the load generator, Berth (one Node process), the echo copy (one Node process) and nginx (1 worker, like Berth's one process).`,
    `Flat out, the generator and the servers compete for the same cores, so req/s measures the whole machine; the CPU table shows who used it. Berth printed ${logLinesDuringLoad} log lines during the load steps.`,
  ];
  const llmNote = "TTFT: request sent to first PayloadPart (router, through the AWS SDK's event-stream decoding) or first body chunk (direct). tokens/s: tokens after the first over the time from first to last token.";
  const text = [
    `Router benchmark (${machine})`,
    "",
    textTable(table),
    "",
    ...verdicts,
    "",
    "CPU used during the max-throughput step (cores; median of rounds):",
    textTable(cpuTable),
    ...(llmTable ? ["", textTable(llmTable), llmNote] : []),
    "",
    ...method,
  ].join("\n");
  const markdown = [
    "## Router benchmark",
    "",
    `\`npm run bench:router\` on ${machine}.`,
    "",
    markdownTable(table),
    "",
    ...verdicts.map((v) => `- ${v}`),
    "",
    "CPU used during the max-throughput step (cores; median of rounds):",
    "",
    markdownTable(cpuTable),
    ...(llmTable ? ["", markdownTable(llmTable), "", llmNote] : []),
    "",
    method.join(" "),
    "",
    "<details><summary>Every round</summary>",
    "",
    markdownTable(roundsTable(names, steps, samples)),
    "",
    "</details>",
    "",
  ].join("\n");
  const path = resolve(options.markdownPath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, markdown);
  await nginx?.stop();
  await berth.stop();
  return { text: `${text}\n\nMarkdown written to ${options.markdownPath}`, markdown, passed };
}

/** Fails loudly before any load if a target does not answer the body back. */
async function checkEchoes(name: string, target: LoadTarget): Promise<void> {
  const response = await request(`${target.origin}${target.path}`, { method: "POST", headers: target.headers, body: target.body, signal: AbortSignal.timeout(10_000) });
  const text = await response.body.text();
  if (response.statusCode !== 200 || text !== target.body) throw new Error(`${name} (${target.origin}${target.path}) answered ${response.statusCode} ${text.slice(0, 200)}; expected the body echoed back`);
}

function roundsTable(names: string[], steps: { label: string }[], samples: Map<string, LoadResult[]>): Table {
  const rows: string[][] = [];
  for (const step of steps) {
    for (const name of names) {
      const runs = samples.get(`${name}|${step.label}`) ?? [];
      rows.push([name, step.label, runs.map((r) => fixed(r.p50Ms, 3)).join(" / "), runs.map((r) => fixed(r.p99Ms, 3)).join(" / "), runs.map((r) => r.reqPerSec.toFixed(0)).join(" / ")]);
    }
  }
  return { head: ["target", "load", "p50 ms per round", "p99 ms per round", "req/s per round"], rows };
}

function routerVerdicts(cells: { moderate: string; atModerate?: Cell; directAtModerate: Cell; flatOut?: Cell; nginxFlatOut?: Cell }): string[] {
  const { moderate, atModerate: router, directAtModerate: direct } = cells;
  if (!router || !cells.flatOut) return ["SKIP  the router was not measured (--targets)"];
  const addedP50 = router.p50Ms - direct.p50Ms;
  const addedP99 = router.p99Ms - direct.p99Ms;
  const share = cells.nginxFlatOut ? cells.flatOut.reqPerSec / cells.nginxFlatOut.reqPerSec : NaN;
  return [
    verdict(addedP50 <= routerTargets.addedP50Ms, `router adds ${addedP50.toFixed(3)} ms at p50 at ${moderate} (target ≤ ${routerTargets.addedP50Ms} ms)`),
    verdict(addedP99 <= routerTargets.addedP99Ms, `router adds ${addedP99.toFixed(3)} ms at p99 at ${moderate} (target ≤ ${routerTargets.addedP99Ms} ms)`),
    cells.nginxFlatOut
      ? verdict(share >= routerTargets.throughputOfNginx, `router reaches ${(100 * share).toFixed(0)}% of nginx's throughput (target ≥ ${100 * routerTargets.throughputOfNginx}%)`)
      : "SKIP  router throughput vs nginx: nginx was not measured (not installed? apt-get install nginx-light)",
  ];
}

function verdict(ok: boolean, text: string): string {
  return `${ok ? "PASS" : "FAIL"}  ${text}`;
}

function mean(values: number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  return kept.length === 0 ? NaN : kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** A JSON object of exactly `bytes` bytes. */
function paddedJson(bytes: number): string {
  const empty = JSON.stringify({ inputs: "" });
  return JSON.stringify({ inputs: "x".repeat(bytes - empty.length) });
}

function parseArgs(argv: string[]): Partial<RouterBenchOptions> {
  const options: Partial<RouterBenchOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === "--rounds") options.rounds = Number(value());
    else if (flag === "--rates") options.rates = value().split(",").map(Number);
    else if (flag === "--step-ms") options.stepMs = Number(value());
    else if (flag === "--max-ms") options.maxMs = Number(value());
    else if (flag === "--connections") options.connections = Number(value());
    else if (flag === "--llm-requests") options.llmRequests = Number(value());
    else if (flag === "--targets") options.targets = value().split(",") as TargetName[];
    else if (flag === "--berth-node-args") options.berthNodeArgs = value().split(" ").filter(Boolean);
    else if (flag === "--quick") Object.assign(options, { rounds: 1, stepMs: 2_000, maxMs: 3_000, llmRequests: 3 });
    else throw new Error(`unknown flag ${flag}; flags: --rounds N, --rates 200,1000,2000, --step-ms N, --max-ms N, --connections N, --llm-requests N (0 skips the LLM), --targets router,nginx, --berth-node-args '--cpu-prof --cpu-prof-dir=DIR', --quick`);
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const report = await runRouterBenchmark(parseArgs(process.argv.slice(2)));
    console.log(report.text);
  } catch (error) {
    console.error(`router benchmark failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
