import { spawn, type ChildProcess } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { PutScalingPolicyCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CreateInferenceComponentCommand, DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { resolveImage } from "../src/agent/images.js";
import { createEndpoint, startBerth, type BerthServer } from "./support/berth.js";
import { cpuSeconds, quietest, type QuietOptions } from "./support/cpu.js";
import { LoadGenerator, type LoadResult, type LoadTarget } from "./support/load.js";
import { freePort, pollUntil, waitForPort } from "./support/net.js";
import { onCleanup, stopChild } from "./support/processes.js";
import { runWritingMarkdown } from "./support/report-file.js";
import { fixed, markdownTable, median, textTable, type Table } from "./support/table.js";

/**
 * npm run bench:router-tail — does the router's tail grow with the number of models? The same open-loop
 * traffic to one berth/echo component, first with that component alone on the server, then with 149
 * more one-copy components beside it (all idle). Every component is autoscaled, as a user's would be
 * (a target-tracking policy, so the autoscaler's passes and the policy's two alarms run for each one).
 * Between the two rows, once the server has settled after the creates (--settle-ms; its CPU over that time is
 * shown too, with no target), its idle CPU with 150 components is read from /proc; during each step,
 * the server's event-loop delay from its /metrics. Two flags take the tail apart: --no-autoscaling creates
 * the components without targets and policies, and --idle-processes N starts N berth/echo processes that
 * Berth neither knows nor pings, before the first row, to show what the machine carrying more processes costs.
 */
export interface TailBenchOptions {
  /** Components in the big row (one of them takes the traffic). */
  components: number;
  rate: number;
  warmupMs: number;
  stepMs: number;
  /** Each row is measured this many times; the table shows medians. */
  rounds: number;
  /**
   * Time between the last create and the idle reading: the 149 new copies' processes settle, V8 compiles the
   * periodic passes' code and collects the creates' garbage. The server's CPU over it is reported, with no target.
   */
  settleMs: number;
  idleMs: number;
  markdownPath: string;
  quiet: QuietOptions;
  berthNodeArgs?: string[];
  /** Extra `berth server` flags, e.g. ["--scaling-period", "1s"]. */
  berthArgs?: string[];
  /** Another build's bin/berth.js, to measure it the same way (a baseline). */
  berthBinary?: string;
  /** Whether each component gets a scalable target and a target-tracking policy (the benchmark's case). */
  autoscaled: boolean;
  /** berth/echo processes outside Berth, idle, started before the first row and kept through both. */
  idleProcesses: number;
}

export const defaultTailBenchOptions: TailBenchOptions = {
  components: 150,
  rate: 500,
  warmupMs: 2_000,
  stepMs: 10_000,
  rounds: 5,
  settleMs: 60_000,
  idleMs: 30_000,
  markdownPath: "bench-results/router-tail.md",
  quiet: { maxOtherCores: 0.3, attempts: 3, patienceMs: 20_000 },
  autoscaled: true,
  idleProcesses: 0,
};

/** The targets: the tail with many components against the tail with one, idle CPU, and the longest stall. */
export const tailTargets = { p99Ratio: 1.5, idleCpuPercent: 3, loopDelayMaxMs: 20 };

export interface TailReport {
  text: string;
  markdown: string;
  passed: boolean;
}

const log = (line: string) => console.error(`[bench:router-tail] ${line}`);
const endpoint = "bench-tail";
const body = JSON.stringify({ inputs: "x".repeat(240) });

interface Row {
  label: string;
  results: LoadResult[];
  loopMaxMs: number[];
  loopP99Ms: number[];
}

export async function runTailBenchmark(overrides: Partial<TailBenchOptions> = {}): Promise<TailReport> {
  const options = { ...defaultTailBenchOptions, ...overrides };
  return runWritingMarkdown(options.markdownPath, async () => render(await measure(options), options));
}

interface Measured {
  rows: Row[];
  settlingCpuPercent: number;
  idleCpuPercent: number;
  machine: string;
}

async function measure(options: TailBenchOptions): Promise<Measured> {
  const loadBefore = loadavg()[0]!;
  const outsiders = await startIdleEchoes(options.idleProcesses);
  const kind = options.autoscaled ? "autoscaled" : "not autoscaled";
  log(`starting berth server and creating an endpoint with one berth/echo component (${kind})`);
  const berth = await startBerth({ nodeArgs: options.berthNodeArgs, auth: true, args: options.berthArgs, binary: options.berthBinary });
  await createEndpoint(berth, endpoint);
  await createComponents(berth, ["tail-0"], 1, options.autoscaled);
  const path = `/endpoints/${endpoint}/invocations`;
  const json = { "content-type": "application/json" };
  const headers = await berth.sign(`${berth.url}${path}`, { method: "POST", headers: { ...json, "x-amzn-sagemaker-inference-component": "tail-0" }, body });
  const target: LoadTarget = { origin: berth.url, path, headers, body };
  const generator = LoadGenerator.start();
  const groups = { generator: [generator.pid], berth: [berth.pid] };
  await generator.run({ kind: "rate", target, rate: options.rate, warmupMs: 0, durationMs: 2_000 });

  const one: Row = { label: "1 component", results: [], loopMaxMs: [], loopP99Ms: [] };
  const many: Row = { label: `${options.components} components, traffic to 1`, results: [], loopMaxMs: [], loopP99Ms: [] };
  const step = async (row: Row, round: number) => {
    const { result } = await quietest(groups, options.quiet, async () => {
      await loopDelay(berth); // resets the server's event-loop histogram
      const result = await generator.run({ kind: "rate", target, rate: options.rate, warmupMs: options.warmupMs, durationMs: options.stepMs });
      const delay = await loopDelay(berth);
      return { ...result, delay };
    });
    row.results.push(result);
    row.loopMaxMs.push(result.delay.maxMs);
    row.loopP99Ms.push(result.delay.p99Ms);
    log(
      `round ${round + 1}/${options.rounds} ${row.label.padEnd(30)} p50 ${fixed(result.p50Ms, 2)} ms  p99 ${fixed(result.p99Ms, 2)} ms  max ${fixed(result.maxMs, 1)} ms  ` +
        `loop delay p99 ${fixed(result.delay.p99Ms, 1)} ms max ${fixed(result.delay.maxMs, 1)} ms  ${result.failed} failed`,
    );
  };
  for (let round = 0; round < options.rounds; round++) await step(one, round);

  const others = Array.from({ length: options.components - 1 }, (_, i) => `tail-${i + 1}`);
  log(`creating ${others.length} more one-copy components (${kind})`);
  await createComponents(berth, others, 0.25, options.autoscaled);
  log(`${options.components} components InService; letting the server settle for ${options.settleMs / 1000} s`);
  const settlingCpuPercent = await cpuPercentOver(berth.pid, options.settleMs);
  log(`server CPU while settling: ${fixed(settlingCpuPercent, 2)}% of one core; measuring its idle CPU for ${options.idleMs / 1000} s`);
  const { result: idleCpuPercent } = await quietest(groups, options.quiet, () => cpuPercentOver(berth.pid, options.idleMs));
  log(`idle CPU with ${options.components} components: ${fixed(idleCpuPercent, 2)}% of one core`);
  for (let round = 0; round < options.rounds; round++) await step(many, round);

  await generator.stop();
  await berth.stop();
  await outsiders.stop();
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}, load average before ${loadBefore.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)}`;
  return { rows: [one, many], settlingCpuPercent, idleCpuPercent, machine };
}

/**
 * One-copy berth/echo components of 128 MiB each, created together and waited for together, each with
 * a target-tracking policy on concurrency (between 1 and 2 copies, a target none of them reaches here)
 * unless autoscaled is false.
 */
async function createComponents(berth: BerthServer, names: string[], cpuCores: number, autoscaled: boolean): Promise<void> {
  for (const name of names) {
    await berth.sagemaker.send(
      new CreateInferenceComponentCommand({
        InferenceComponentName: name,
        EndpointName: endpoint,
        Specification: {
          Container: { Image: "berth/echo" },
          ComputeResourceRequirements: { NumberOfCpuCoresRequired: cpuCores, MinMemoryRequiredInMb: 128 },
        },
        RuntimeConfig: { CopyCount: 1 },
      }),
    );
    if (!autoscaled) continue;
    const target = {
      ServiceNamespace: "sagemaker" as const,
      ResourceId: `inference-component/${name}`,
      ScalableDimension: "sagemaker:inference-component:DesiredCopyCount" as const,
    };
    await berth.autoscaling.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 2 }));
    await berth.autoscaling.send(
      new PutScalingPolicyCommand({
        ...target,
        PolicyName: "concurrency",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 4,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution" },
        },
      }),
    );
  }
  const pending = new Set(names);
  await pollUntil(
    async () => {
      for (const name of [...pending]) {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        if (d.InferenceComponentStatus === "Failed") throw new Error(`component ${name} failed: ${d.FailureReason}`);
        if (d.InferenceComponentStatus === "InService") pending.delete(name);
      }
      return pending.size === 0 ? true : undefined;
    },
    { timeoutMs: 60_000 + names.length * 2_000, what: `${names.length} inference components to be InService` },
  );
}

/** Idle berth/echo processes that Berth neither manages nor pings, each answering on a port of its own. */
async function startIdleEchoes(count: number): Promise<{ stop: () => Promise<void> }> {
  if (!Number.isInteger(count) || count < 0) throw new Error(`--idle-processes must be a whole number of 0 or more, got ${count}`);
  if (count === 0) return { stop: async () => undefined };
  log(`starting ${count} idle berth/echo processes outside Berth`);
  const echo = resolveImage("berth/echo", { configured: {} });
  if (!echo.ok || echo.kind !== "process") throw new Error("berth/echo does not resolve to a built-in process image");
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child, "SIGTERM", 5_000)));
  };
  const forget = onCleanup(stop);
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const { command, args, env } = echo.launch({ port, environment: { SAGEMAKER_BIND_TO_PORT: String(port) } });
    const child = spawn(command, args, { stdio: "ignore", env: { ...process.env, ...env } });
    children.push(child);
    await waitForPort(port, {
      timeoutMs: 30_000,
      what: `idle berth/echo ${i + 1} of ${count}`,
      gaveUp: () => (child.exitCode !== null ? `exited with ${child.exitCode}` : undefined),
    });
  }
  return {
    stop: async () => {
      forget();
      await stop();
    },
  };
}

/** The server's CPU over the next `ms`, in percent of one core, from /proc. */
async function cpuPercentOver(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid);
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return ((cpuSeconds(pid) - before) / seconds) * 100;
}

/** prom-client's default eventLoopMonitoringPrecision, which the server keeps. */
const loopMonitorResolutionMs = 10;

/** The server's event-loop delay since its previous /metrics scrape. */
async function loopDelay(berth: BerthServer): Promise<{ p99Ms: number; maxMs: number }> {
  const url = `${berth.url}/metrics`;
  const response = await fetch(url, { headers: await berth.sign(url, { method: "GET", headers: {} }) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  // prom-client's monitorEventLoopDelay histogram (reset at each scrape) records whole intervals between its
  // 10 ms timer's runs: the delay is what exceeds them. A server without the gauge gives NaN, which fails the target.
  const delayMs = (statistic: string) => {
    const match = new RegExp(`^berth_nodejs_eventloop_lag_${statistic}_seconds (\\S+)$`, "m").exec(text);
    return match ? Math.max(0, Number(match[1]) * 1000 - loopMonitorResolutionMs) : NaN;
  };
  return { p99Ms: delayMs("p99"), maxMs: delayMs("max") };
}

function render(measured: Measured, options: TailBenchOptions): TailReport {
  const [one, many] = measured.rows as [Row, Row];
  const p99 = (row: Row) => median(row.results.map((r) => r.p99Ms));
  const ratio = p99(many) / p99(one);
  const loopMax = Math.max(median(one.loopMaxMs), median(many.loopMaxMs));
  const table: Table = {
    head: ["row", "p50 ms", "p99 ms", "p99 per round ms", "max ms", "failed", "loop delay p99 ms", "loop delay max ms"],
    right: [1, 2, 4, 5, 6, 7],
    rows: measured.rows.map((row) => [
      row.label,
      fixed(median(row.results.map((r) => r.p50Ms)), 2),
      fixed(p99(row), 2),
      row.results.map((r) => fixed(r.p99Ms, 1)).join(" / "),
      fixed(median(row.results.map((r) => r.maxMs)), 1),
      String(row.results.reduce((sum, r) => sum + r.failed + r.skipped, 0)),
      fixed(median(row.loopP99Ms), 1),
      fixed(median(row.loopMaxMs), 1),
    ]),
  };
  const failed = measured.rows.reduce((sum, row) => sum + row.results.reduce((s, r) => s + r.failed + r.skipped, 0), 0);
  const checks: Table = {
    head: ["target", "measured", "limit", "result"],
    right: [1, 2],
    rows: [
      [`p99 with ${options.components} components ÷ p99 with 1`, fixed(ratio, 2), `≤ ${tailTargets.p99Ratio}`, verdict(ratio <= tailTargets.p99Ratio)],
      [
        `idle server CPU with ${options.components} components, % of a core`,
        fixed(measured.idleCpuPercent, 2),
        `< ${tailTargets.idleCpuPercent}`,
        verdict(measured.idleCpuPercent < tailTargets.idleCpuPercent),
      ],
      ["event-loop delay max under load, ms", fixed(loopMax, 1), `≤ ${tailTargets.loopDelayMaxMs}`, verdict(loopMax <= tailTargets.loopDelayMaxMs)],
      ["requests failed or skipped", String(failed), "0", verdict(failed === 0)],
      [`server CPU in the ${options.settleMs / 1000} s right after the creates, % of a core (no target)`, fixed(measured.settlingCpuPercent, 2), "—", noTarget],
    ],
  };
  // NaN (a value that could not be measured) fails every comparison above, so it fails the run.
  const passed = checks.rows.every((row) => row[3] === "pass" || row[3] === noTarget);
  const settings = `${options.rate} req/s open loop to one component, ${options.stepMs / 1000} s per step after ${options.warmupMs / 1000} s warm-up, median of ${options.rounds} rounds (the p99 ratio is the ratio of the two rows' median p99s); idle CPU over ${options.idleMs / 1000} s, after ${options.settleMs / 1000} s for the server to settle from the creates.${options.autoscaled ? "" : " Components not autoscaled (--no-autoscaling)."}${options.idleProcesses > 0 ? ` ${options.idleProcesses} idle berth/echo processes outside Berth through both rows (--idle-processes).` : ""} ${measured.machine}.`;
  return {
    passed,
    text: [textTable(table), "", textTable(checks), "", settings, passed ? "All targets met." : "TARGET MISSED."].join("\n"),
    markdown: [markdownTable(table), "", markdownTable(checks), "", settings, ""].join("\n"),
  };
}

const verdict = (ok: boolean) => (ok ? "pass" : "FAIL");
const noTarget = "—";

/** Flags, e.g. --components 150 --rate 500 --berth-args='--scaling-period 1s' (a value starting with a dash needs the =); --quick is one short round. */
function optionsFrom(argv: string[]): Partial<TailBenchOptions> {
  const text = { type: "string" } as const;
  const { values } = parseArgs({
    args: argv,
    options: {
      components: text,
      rate: text,
      rounds: text,
      "step-ms": text,
      "settle-ms": text,
      "idle-ms": text,
      "berth-node-args": text,
      "berth-args": text,
      "berth-binary": text,
      "no-autoscaling": { type: "boolean" },
      "idle-processes": text,
      quick: { type: "boolean" },
    },
  });
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const words = (value: string | undefined) => value?.split(" ").filter(Boolean);
  const given = {
    components: number(values.components),
    rate: number(values.rate),
    rounds: number(values.rounds),
    stepMs: number(values["step-ms"]),
    settleMs: number(values["settle-ms"]),
    idleMs: number(values["idle-ms"]),
    berthNodeArgs: words(values["berth-node-args"]),
    berthArgs: words(values["berth-args"]),
    berthBinary: values["berth-binary"],
    autoscaled: values["no-autoscaling"] ? false : undefined,
    idleProcesses: number(values["idle-processes"]),
  };
  // --quick gives way to the flags named beside it.
  const quick: Partial<TailBenchOptions> = values.quick ? { rounds: 1, stepMs: 5_000, settleMs: 10_000, idleMs: 10_000 } : {};
  return { ...quick, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const report = await runTailBenchmark(optionsFrom(process.argv.slice(2)));
    console.log(report.text);
    if (!report.passed) process.exitCode = 1;
  } catch (error) {
    console.error(`router tail benchmark failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
