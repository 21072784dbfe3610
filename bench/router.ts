import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { request } from "undici";
import { createComponent, createEndpoint, routerPids, startBerth, type BerthServer } from "./support/berth.js";
import { canPin, childPids, pinProcess, quietest, type CpuUse, type QuietOptions } from "./support/cpu.js";
import { compareLlmPaths } from "./support/llm.js";
import { runRouterLlmBenchmark } from "./router-llm.js";
import { LoadGenerator, type LoadJob, type LoadResult, type LoadTarget } from "./support/load.js";
import { findNginx, nginxMissing, startNginx } from "./support/nginx.js";
import { startNodeFloor } from "./support/node-floor.js";
import { cleanUpOnSignals, cleanupAll } from "./support/processes.js";
import { renderRouterReport, targetLabels, type RouterMeasurements, type RouterReport, type Step, type TargetName } from "./support/router-report.js";
import { fixed } from "./support/table.js";
import { uwsInstall, uwsPackage } from "./support/uws-package.js";
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
  /** Pins the proxy under test to a core of its own and the load side to another (taskset), where it can. */
  pin: boolean;
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
  pin: true,
};

const body = paddedJson(256);

/**
 * More parts of the router benchmark, each run after the main steps with its own processes, and passing or
 * failing on its own targets; the run fails if any part does. One line per part here (bench/router-tail.ts:
 * many models; bench/router-llm.ts: prefix-aware routing).
 */
const moreParts: { title: string; run: (options: RouterBenchOptions) => Promise<RouterReport> }[] = [
  // { title: "…", run: (options) => runRouterTail(options) },
  { title: "LLM: a shared-prefix workload under each routing mode (bench/router-llm.ts)", run: (options) => llmPart(options) },
];

async function llmPart(options: RouterBenchOptions): Promise<RouterReport> {
  const llm = await runRouterLlmBenchmark(options.rounds === 1 ? { requests: 20 } : {});
  return { text: llm.text, markdown: llm.text, passed: llm.ok };
}

export async function runRouterBenchmark(overrides: Partial<RouterBenchOptions> = {}): Promise<RouterReport> {
  const options = { ...defaultRouterBenchOptions, ...overrides };
  cleanUpOnSignals();
  try {
    const reports = [renderRouterReport(await measure(options))];
    await cleanupAll();
    for (const part of moreParts) {
      log(part.title);
      const report = await part.run(options);
      reports.push({ ...report, text: `${part.title}\n\n${report.text}`, markdown: `### ${part.title}\n\n${report.markdown}` });
      await cleanupAll();
    }
    const report = {
      text: reports.map((r) => r.text).join("\n\n"),
      markdown: reports.map((r) => r.markdown).join("\n"),
      passed: reports.every((r) => r.passed),
    };
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
  // floor-uws needs a package Berth does not depend on: measured only when named.
  const wanted = (name: TargetName) => name === "direct" || (!options.targets && name !== "floor-uws") || options.targets?.includes(name) === true;
  const nginxBinary = findNginx();
  // The baseline is part of the targets: without it the benchmark fails, it does not pass on what it could measure.
  if (!nginxBinary && wanted("nginx")) throw new BaselineMissing(nginxMissing);
  if (wanted("floor-uws") && !resolvable(uwsPackage.name))
    throw new BaselineMissing(
      `the floor-uws target needs uWebSockets.js, which Berth does not depend on. Install it from the npm registry with \`${uwsInstall}\`, then run the benchmark again.`,
    );

  const cores = cpus().length;
  const pin = options.pin && cores >= 2 && canPin();
  // One core for the load side (the generator and the echo copies it talks to), one for the proxy under test.
  const layout = pin ? { load: "0", proxy: "1", proxy2: cores >= 3 ? "1,2" : "0,1" } : undefined;
  const pinning = layout
    ? `pinned with taskset: the load generator and the echo copies on CPU ${layout.load}; Berth (1 router worker), nginx and the Node floor on CPU ${layout.proxy}, each alone there while measured; Berth with 2 router workers on CPUs ${layout.proxy2}${cores < 3 ? " (this machine has 2 cores, so its second one is the load side's)" : ""}.`
    : `not pinned (${options.pin ? "taskset is missing or the machine has one core" : "--no-pin"}): every process shares the machine's ${cores} cores.`;

  log("starting berth server and creating an endpoint with a berth/echo component");
  const berth = await startBerth({ nodeArgs: options.berthNodeArgs, auth: options.auth, cpus: layout?.proxy });
  const endpoint = "bench-router";
  await createEndpoint(berth, endpoint);
  const echo = await createComponent(berth, { endpoint, name: "bench-echo", image: "berth/echo", cpuCores: 1, memoryMiB: 1024 });
  // Copies start on Berth's CPU; they belong to the load side, so the proxy has its core to itself.
  if (layout && echo.pid) pinProcess(echo.pid, layout.load);
  const nginx = nginxBinary && wanted("nginx") ? await startNginx(nginxBinary, echo.port, { cpus: layout?.proxy }) : undefined;
  const floor = wanted("floor") ? await startNodeFloor(echo.port, { cpus: layout?.proxy }) : undefined;
  const uwsFloor = wanted("floor-uws") ? await startNodeFloor(echo.port, { cpus: layout?.proxy, server: "uws" }) : undefined;

  const json = { "content-type": "application/json" };
  const targets = new Map<TargetName, LoadTarget>([["direct", { origin: `http://127.0.0.1:${echo.port}`, path: "/invocations", headers: json, body }]]);
  const path = `/endpoints/${endpoint}/invocations`;
  // Signed once and replayed: Berth keeps no cache of verified signatures, so each request is verified in full, as a client's would be (see support/berth.ts).
  const signed = (server: BerthServer) =>
    server.sign(`${server.url}${path}`, { method: "POST", headers: { ...json, "x-amzn-sagemaker-inference-component": "bench-echo" }, body });
  if (wanted("router")) targets.set("router", { origin: berth.url, path, headers: await signed(berth), body });
  let berth2: BerthServer | undefined;
  let echo2Pid: number | undefined;
  if (wanted("router2")) {
    log("starting a second berth server with --router-workers 2");
    berth2 = await startBerth({ nodeArgs: options.berthNodeArgs, auth: options.auth, cpus: layout?.proxy2, args: ["--router-workers", "2"] });
    await createEndpoint(berth2, endpoint);
    const echo2 = await createComponent(berth2, { endpoint, name: "bench-echo", image: "berth/echo", cpuCores: 1, memoryMiB: 1024 });
    if (layout && echo2.pid) pinProcess(echo2.pid, layout.load);
    echo2Pid = echo2.pid;
    targets.set("router2", { origin: berth2.url, path, headers: await signed(berth2), body });
  }
  if (nginx) targets.set("nginx", { origin: `http://127.0.0.1:${nginx.port}`, path: "/invocations", headers: json, body });
  if (floor) targets.set("floor", { origin: `http://127.0.0.1:${floor.port}`, path: "/invocations", headers: json, body });
  if (uwsFloor) targets.set("floor-uws", { origin: `http://127.0.0.1:${uwsFloor.port}`, path: "/invocations", headers: json, body });
  for (const [name, target] of targets) await checkEchoes(name, target);

  const generator = LoadGenerator.start({ cpus: layout?.load });
  const cpuGroups: Record<string, number[]> = {
    generator: [generator.pid],
    berth: routerPids(berth),
    "echo copies": [echo.pid ?? 0, ...(echo2Pid ? [echo2Pid] : [])],
  };
  const proxyGroups: RouterMeasurements["proxyGroups"] = { router: "berth" };
  if (berth2) {
    cpuGroups["berth ×2"] = routerPids(berth2);
    proxyGroups.router2 = "berth ×2";
  }
  if (nginx) {
    cpuGroups.nginx = [nginx.pid, ...childPids(nginx.pid)];
    proxyGroups.nginx = "nginx";
  }
  if (floor) {
    cpuGroups["node floor"] = [floor.pid];
    proxyGroups.floor = "node floor";
  }
  if (uwsFloor) {
    cpuGroups["uws floor"] = [uwsFloor.pid];
    proxyGroups["floor-uws"] = "uws floor";
  }
  const steps: Step[] = [...options.rates.map((rate) => ({ label: `${rate} req/s`, rate })), { label: `max, ${options.connections} conn`, rate: 0 }];
  const logLinesBefore = berth.logLines();
  const load = await runSteps({ generator, targets, steps, cpuGroups, options });
  const logLinesDuringLoad = berth.logLines() - logLinesBefore;
  await generator.stop();
  await berth2?.stop();

  let llm: RouterMeasurements["llm"];
  if (options.llmRequests > 0) {
    log("creating a berth/llm component on the same endpoint");
    const llmCopy = await createComponent(berth, { endpoint, name: "bench-llm", image: "berth/llm", accelerators: 1, cpuCores: 1, memoryMiB: 1024 });
    llm = await compareLlmPaths(berth, { endpoint, component: "bench-llm", copyPort: llmCopy.port, requests: options.llmRequests });
    log(`LLM: ${options.llmRequests} streamed generations per path done`);
  }
  await nginx?.stop();
  await floor?.stop();
  await uwsFloor?.stop();
  await berth.stop();

  const machine = `${cores} × ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}${nginx ? `, nginx ${nginx.version}` : ""}, load average before ${loadavg()[0]!.toFixed(2)}`;
  return {
    machine,
    cores,
    cpuGroups: Object.keys(cpuGroups),
    names: [...targets.keys()],
    steps,
    ...load,
    proxyGroups,
    pinning,
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

function resolvable(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** A baseline the targets are measured against is not installed: said plainly, without a stack trace. */
class BaselineMissing extends Error {}

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
          `round ${round + 1}/${options.rounds} ${name.padEnd(9)} ${step.label.padEnd(14)} p50 ${fixed(result.p50Ms, 3)} ms  p99 ${fixed(result.p99Ms, 3)} ms  ${result.reqPerSec.toFixed(0)} req/s  ${noise}`,
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

/** A wrong command line: said plainly, without a stack trace. */
class UsageError extends Error {}

function targetNames(list: string): TargetName[] {
  const known = Object.keys(targetLabels).filter((name) => name !== "direct");
  const names = list.split(",");
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`--targets names ${unknown.join(", ")}, which the benchmark does not know; it measures ${known.join(", ")}`);
  return names as TargetName[];
}

function parseArgs(argv: string[]): Partial<RouterBenchOptions> {
  const options: Partial<RouterBenchOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === "--rounds") options.rounds = Number(value());
    else if (flag === "--rates") options.rates = value().split(",").map(Number);
    else if (flag === "--step-ms") options.stepMs = Number(value());
    else if (flag === "--max-ms") options.maxMs = Number(value());
    else if (flag === "--connections") options.connections = Number(value());
    else if (flag === "--llm-requests") options.llmRequests = Number(value());
    else if (flag === "--targets") options.targets = targetNames(value());
    else if (flag === "--berth-node-args") options.berthNodeArgs = value().split(" ").filter(Boolean);
    else if (flag === "--no-auth") options.auth = false;
    else if (flag === "--no-pin") options.pin = false;
    else if (flag === "--max-other-cores") options.quiet = { ...defaultRouterBenchOptions.quiet, maxOtherCores: Number(value()) };
    else if (flag === "--quick") Object.assign(options, { rounds: 1, stepMs: 2_000, maxMs: 3_000, llmRequests: 3 });
    else
      throw new UsageError(
        `unknown flag ${flag}; flags: --rounds N, --rates 200,1000,2000, --step-ms N, --max-ms N, --connections N, --llm-requests N (0 skips the LLM), --targets router,router2,nginx,floor,floor-uws (floor-uws only when named), --berth-node-args '--cpu-prof --cpu-prof-dir=DIR', --no-auth, --no-pin, --max-other-cores N (how busy the rest of the machine may be), --quick`,
      );
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const args = process.argv.slice(2);
    const report = await runRouterBenchmark(parseArgs(args.filter((arg) => arg !== "--no-tail")));
    console.log(report.text);
    if (!report.passed) {
      console.log("\nFAILED: the router missed a target, or one could not be measured (see the targets table).");
      process.exitCode = 1;
    }
    // The tail with 150 components (bench/router-tail.ts, also npm run bench:router-tail); --no-tail skips it.
    if (!args.includes("--no-tail")) {
      const tail = await runTailBenchmark();
      console.log(`\n${tail.text}`);
      if (!tail.passed) process.exitCode = 1;
    }
  } catch (error) {
    console.error(
      `router benchmark failed: ${error instanceof BaselineMissing || error instanceof UsageError ? error.message : ((error as Error).stack ?? String(error))}`,
    );
    process.exitCode = 1;
  }
}
