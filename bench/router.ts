import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { request } from "undici";
import { createComponent, createEndpoint, startBerth } from "./support/berth.js";
import { childPids, quietest, type CpuUse, type QuietOptions } from "./support/cpu.js";
import { compareLlmPaths } from "./support/llm.js";
import { LoadGenerator, type LoadJob, type LoadResult, type LoadTarget } from "./support/load.js";
import { findNginx, startNginx } from "./support/nginx.js";
import { cleanUpOnSignals, cleanupAll } from "./support/processes.js";
import { renderRouterReport, type RouterMeasurements, type RouterReport, type Step, type TargetName } from "./support/router-report.js";
import { fixed } from "./support/table.js";
import { runTailBenchmark } from "./router-tail.js";

export { routerTargets } from "./support/router-report.js";

/**
 * npm run bench:router — the same small POST sent straight to an echo copy, through Berth's router, and
 * through nginx proxying to the same copy, at fixed rates (open loop) and flat out (closed loop); then
 * an LLM's time to first token and decode speed through the router and straight from its copy. Berth,
 * the copies, nginx and the load generator are separate processes; all of them are stopped, and their
 * temp dirs removed, at the end, on an error and on Ctrl-C. Traffic goes to 127.0.0.1 only.
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
  /** SigV4 on, as Berth runs by default; false measures the router alone (--insecure-no-auth). */
  auth: boolean;
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
  auth: true,
};

const body = paddedJson(256);

export async function runRouterBenchmark(overrides: Partial<RouterBenchOptions> = {}): Promise<RouterReport> {
  const options = { ...defaultRouterBenchOptions, ...overrides };
  cleanUpOnSignals();
  try {
    const report = renderRouterReport(await measure(options));
    const path = resolve(options.markdownPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, report.markdown);
    return { ...report, text: `${report.text}\n\nMarkdown written to ${options.markdownPath}` };
  } finally {
    await cleanupAll();
  }
}

const log = (line: string) => console.error(`[bench:router] ${line}`);

async function measure(options: RouterBenchOptions): Promise<RouterMeasurements> {
  const nginxBinary = findNginx();
  if (!nginxBinary) log("nginx is not installed, so the nginx column is skipped. To compare with nginx: apt-get install nginx-light");

  log("starting berth server and creating an endpoint with a berth/echo component");
  const berth = await startBerth({ nodeArgs: options.berthNodeArgs, auth: options.auth });
  const endpoint = "bench-router";
  await createEndpoint(berth, endpoint);
  const echo = await createComponent(berth, { endpoint, name: "bench-echo", image: "berth/echo", cpuCores: 1, memoryMiB: 1024 });
  const wanted = (name: TargetName) => name === "direct" || !options.targets || options.targets.includes(name);
  const nginx = nginxBinary && wanted("nginx") ? await startNginx(nginxBinary, echo.port) : undefined;

  const json = { "content-type": "application/json" };
  const targets = new Map<TargetName, LoadTarget>([["direct", { origin: `http://127.0.0.1:${echo.port}`, path: "/invocations", headers: json, body }]]);
  if (wanted("router")) {
    // Signed once and replayed: each request is verified in full, as a client's would be (see support/berth.ts).
    const path = `/endpoints/${endpoint}/invocations`;
    const headers = await berth.sign(`${berth.url}${path}`, {
      method: "POST",
      headers: { ...json, "x-amzn-sagemaker-inference-component": "bench-echo" },
      body,
    });
    targets.set("router", { origin: berth.url, path, headers, body });
  }
  if (nginx) targets.set("nginx", { origin: `http://127.0.0.1:${nginx.port}`, path: "/invocations", headers: json, body });
  for (const [name, target] of targets) await checkEchoes(name, target);

  const generator = LoadGenerator.start();
  const cpuGroups: Record<string, number[]> = { generator: [generator.pid], berth: [berth.pid], "echo copy": [echo.pid ?? 0] };
  if (nginx) cpuGroups.nginx = [nginx.pid, ...childPids(nginx.pid)];
  const steps: Step[] = [...options.rates.map((rate) => ({ label: `${rate} req/s`, rate })), { label: `max, ${options.connections} conn`, rate: 0 }];
  const logLinesBefore = berth.logLines();
  const load = await runSteps({ generator, targets, steps, cpuGroups, options });
  const logLinesDuringLoad = berth.logLines() - logLinesBefore;
  await generator.stop();

  let llm: RouterMeasurements["llm"];
  if (options.llmRequests > 0) {
    log("creating a berth/llm component on the same endpoint");
    const llmCopy = await createComponent(berth, { endpoint, name: "bench-llm", image: "berth/llm", accelerators: 1, cpuCores: 1, memoryMiB: 1024 });
    llm = await compareLlmPaths(berth, { endpoint, component: "bench-llm", copyPort: llmCopy.port, requests: options.llmRequests });
    log(`LLM: ${options.llmRequests} streamed generations per path done`);
  }
  await nginx?.stop();
  await berth.stop();

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}${nginx ? `, nginx ${nginx.version}` : ""}, load average before ${loadavg()[0]!.toFixed(2)}`;
  return {
    machine,
    cores: cpus().length,
    cpuGroups: Object.keys(cpuGroups),
    names: [...targets.keys()],
    steps,
    ...load,
    logLinesDuringLoad,
    llm,
    settings: {
      bodyBytes: Buffer.byteLength(body),
      rounds: options.rounds,
      warmupMs: options.warmupMs,
      stepMs: options.stepMs,
      maxMs: options.maxMs,
      connections: options.connections,
      llmRequests: options.llmRequests,
      maxOtherCores: options.quiet.maxOtherCores,
      attempts: options.quiet.attempts,
    },
  };
}

/** Every step for every target, once per round, targets in rotating order so none always goes first. */
async function runSteps(run: {
  generator: LoadGenerator;
  targets: Map<TargetName, LoadTarget>;
  steps: Step[];
  cpuGroups: Record<string, number[]>;
  options: RouterBenchOptions;
}) {
  const { generator, targets, steps, cpuGroups, options } = run;
  const names = [...targets.keys()];
  log(`warming up every target (${names.join(", ")})`);
  for (const target of targets.values()) await generator.run({ kind: "max", target, connections: options.connections, warmupMs: 0, durationMs: 2_000 });
  const samples = new Map<string, LoadResult[]>();
  const cpu = new Map<TargetName, { cpu: CpuUse; answered: number }[]>();
  const otherLoad: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const step of steps) {
      for (const name of names.map((_, i) => names[(i + round) % names.length]!)) {
        const target = targets.get(name)!;
        const job: LoadJob =
          step.rate > 0
            ? { kind: "rate", target, rate: step.rate, warmupMs: options.warmupMs, durationMs: options.stepMs }
            : { kind: "max", target, connections: options.connections, warmupMs: options.warmupMs, durationMs: options.maxMs };
        const measured = await quietest(cpuGroups, options.quiet, () => generator.run(job));
        const { result } = measured;
        if (step.rate === 0) cpu.set(name, [...(cpu.get(name) ?? []), { cpu: measured.cpu, answered: result.answered }]);
        otherLoad.push(measured.cpu.other);
        samples.set(`${name}|${step.label}`, [...(samples.get(`${name}|${step.label}`) ?? []), result]);
        if (result.failed > 0 || result.skipped > 0)
          log(`${name} ${step.label}: ${result.failed} failed, ${result.skipped} skipped${result.firstError ? ` (${result.firstError})` : ""}`);
        const noise = `other load ${measured.cpu.other.toFixed(2)} cores${measured.attempts > 1 ? ` (quietest of ${measured.attempts} tries)` : ""}`;
        log(
          `round ${round + 1}/${options.rounds} ${name.padEnd(6)} ${step.label.padEnd(14)} p50 ${fixed(result.p50Ms, 3)} ms  p99 ${fixed(result.p99Ms, 3)} ms  ${result.reqPerSec.toFixed(0)} req/s  ${noise}`,
        );
      }
    }
  }
  return { samples, cpu, otherLoad };
}

/** Fails loudly before any load if a target does not answer the body back. */
async function checkEchoes(name: string, target: LoadTarget): Promise<void> {
  const response = await request(`${target.origin}${target.path}`, {
    method: "POST",
    headers: target.headers,
    body: target.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200 || text !== target.body)
    throw new Error(`${name} (${target.origin}${target.path}) answered ${response.statusCode} ${text.slice(0, 200)}; expected the body echoed back`);
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
    else if (flag === "--no-auth") options.auth = false;
    else if (flag === "--quick") Object.assign(options, { rounds: 1, stepMs: 2_000, maxMs: 3_000, llmRequests: 3 });
    else
      throw new Error(
        `unknown flag ${flag}; flags: --rounds N, --rates 200,1000,2000, --step-ms N, --max-ms N, --connections N, --llm-requests N (0 skips the LLM), --targets router,nginx, --berth-node-args '--cpu-prof --cpu-prof-dir=DIR', --no-auth, --quick`,
      );
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const args = process.argv.slice(2);
    const report = await runRouterBenchmark(parseArgs(args.filter((arg) => arg !== "--no-tail")));
    console.log(report.text);
    // The tail with 150 components (bench/router-tail.ts, also npm run bench:router-tail); --no-tail skips it.
    if (!args.includes("--no-tail")) {
      const tail = await runTailBenchmark();
      console.log(`\n${tail.text}`);
      if (!tail.passed) process.exitCode = 1;
    }
  } catch (error) {
    console.error(`router benchmark failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
