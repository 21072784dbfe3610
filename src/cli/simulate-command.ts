import { Command } from "commander";
import { constants, type Stats } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { parsePositive, parseSeconds, parseWhole, priceLimit } from "../sim/duration.js";
import { WorkloadError } from "../sim/engine/index.js";
import { CatalogError, PortfolioError, TraceFormatError } from "../sim/input/index.js";
import { writeReport } from "../sim/report/report.js";
import { headlineSentences } from "../sim/report/headline.js";
import { headlineRows, markdownTable, ratioBaseline, sloAttainment } from "../sim/report/table.js";
import { simulate, type SimulateOptions } from "../sim/simulate.js";
import { pickStrategies } from "../sim/strategies/index.js";

export interface SimulateFlags {
  portfolio: string;
  trace: string;
  out: string;
  duration?: string;
  start?: string;
  seed?: string;
  strategies?: string;
  price?: string;
  speedup?: string;
  rateScale?: string;
  holdLimit?: string;
  instanceLaunch?: string;
  idleRelease?: string;
  backlogGrowth?: boolean;
  report: boolean;
  json?: boolean;
  /** Progress lines on stderr: set by --progress, or when stderr is a terminal (then one line redrawn in place). */
  progress?: boolean | "terminal";
}

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description("replay a trace through Berth's scheduler and autoscaler in virtual time, and compare dedicated endpoints with packed inference components")
    .requiredOption("--portfolio <file>", "models, endpoint and mapping (YAML or JSON)")
    .requiredOption("--trace <path>", "a trace file or folder (azure-llm, mooncake, azure-functions or servegen)")
    .option("--out <dir>", "where to write report.md and the SVG charts", "./sim-report")
    .option("--duration <time>", "simulate this much of the trace, e.g. 1h, 90m, 3600 (default: the portfolio's durationS, else all)")
    .option("--start <time>", "window start in the trace, e.g. 0, 6h")
    .option("--seed <n>", "seed of every random draw (default: the portfolio's simulation.seed)")
    .option("--strategies <list>", "strategies by key or name, e.g. a,a2,d,e (default: all but p)")
    .option("--price <usd>", "USD per instance-hour, overriding the portfolio and the catalog")
    .option("--speedup <x>", "replay the trace x times faster")
    .option("--rate-scale <x>", "multiply the trace's request rate (default: the portfolio's simulation.rateScale, else 1)")
    .option("--hold-limit <time>", "a request that cannot start within this fails (default 60s)")
    .option("--instance-launch <time>", "time from ordering an instance to it taking copies (default 5m)")
    .option("--idle-release <time>", "managed scaling releases an instance empty for this long (default 10m)")
    .option("--no-backlog-growth", "(d) scales on target tracking alone, without Berth's immediate growth on a backlog")
    .option("--no-report", "print the table only; write no files")
    .option("--json", "print the results as JSON instead of the table")
    .option("--progress", "print progress lines on stderr even when it is not a terminal (on a terminal they are shown anyway)")
    .action(async (flags: SimulateFlags) => {
      if (!flags.progress && process.stderr.isTTY) flags.progress = "terminal";
      const code = await runSimulate(flags, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
      if (code !== 0) process.exit(code);
    });
}

/** The command's work; returns the exit code (2 for bad input, naming the file, line and field). */
export async function runSimulate(flags: SimulateFlags, io: CommandIo): Promise<number> {
  let options: SimulateOptions;
  try {
    options = optionsFrom(flags, io);
  } catch (error) {
    if (error instanceof RangeError) return fail(io, error.message);
    throw error;
  }
  if (flags.report !== false) {
    try {
      await checkOutDir(flags.out);
    } catch (error) {
      if (error instanceof RangeError) return fail(io, error.message);
      throw error;
    }
  }
  let sim;
  try {
    sim = await simulate(flags.portfolio, flags.trace, options);
  } catch (error) {
    clearProgress(flags, io);
    if (
      error instanceof PortfolioError ||
      error instanceof TraceFormatError ||
      error instanceof CatalogError ||
      error instanceof WorkloadError ||
      error instanceof RangeError
    ) {
      return fail(io, error.message);
    }
    throw error;
  }
  clearProgress(flags, io);
  if (flags.json) {
    io.out(JSON.stringify(jsonSummary(sim), null, 2) + "\n");
  } else {
    io.out(`\n${markdownTable(headlineRows(sim.results))}\n\n${headlineSentences(sim.results, sim.portfolio.models).join("\n")}\n\n`);
  }
  if (flags.report !== false) {
    let path: string;
    try {
      path = await writeReport(sim, flags.out);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code !== "string") throw error;
      return fail(io, `cannot write the report to ${flags.out} (${(error as Error).message}); ${outAdvice}`);
    }
    (flags.json ? io.err : io.out)(`report written to ${path}\n`);
  }
  return 0;
}

const outAdvice = "pick a folder you can write to with --out, or pass --no-report to write no files";

/**
 * --out is checked before the run, which can take minutes: a folder that could not be made was found
 * only when the report was written. The nearest existing folder on the way must be writable, and not
 * under /proc or /sys, where Node's recursive mkdir never returns.
 */
async function checkOutDir(out: string): Promise<void> {
  if (out.trim() === "") throw new RangeError(`--out is empty; give the folder for report.md and the charts, e.g. --out ./sim-report, or pass --no-report`);
  const target = resolve(out);
  let path = target;
  let info = await statIfThere(path, out);
  while (info === undefined) {
    if (dirname(path) === path) throw new RangeError(`--out ${out}: no folder on its path exists; ${outAdvice}`);
    path = dirname(path);
    info = await statIfThere(path, out);
  }
  if (!info.isDirectory()) {
    throw new RangeError(`--out ${out} ${path === target ? "is not a folder" : `is under ${path}, which is not a folder`}; ${outAdvice}`);
  }
  const real = await realpath(path);
  if (["/proc", "/sys"].some((root) => real === root || real.startsWith(root + sep))) {
    throw new RangeError(`--out ${out} is in ${real}, a kernel filesystem, not a place for files; ${outAdvice}`);
  }
  try {
    await access(real, constants.W_OK | constants.X_OK);
  } catch {
    throw new RangeError(`--out ${out}: the folder ${real} is not writable; ${outAdvice}`);
  }
}

function optionsFrom(flags: SimulateFlags, io: CommandIo): SimulateOptions {
  const o: SimulateOptions = {};
  // Progress goes to stderr only, never into the table, the JSON or the report.
  if (flags.progress === "terminal") o.onProgress = (line) => io.err(`\r\x1b[K${line}`);
  else if (flags.progress) o.onProgress = (line) => io.err(`${line}\n`);
  if (flags.duration !== undefined) o.durationS = parseSeconds(flags.duration, "--duration");
  if (flags.start !== undefined) o.startS = parseSeconds(flags.start, "--start", { allowZero: true });
  if (flags.seed !== undefined) o.seed = parseWhole(flags.seed, "--seed");
  if (flags.strategies !== undefined) {
    o.strategies = flags.strategies
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    // Checked before reading anything: an empty list used to fail only when the table was printed, after the whole run.
    if (o.strategies.length === 0) {
      throw new RangeError(
        `--strategies names no strategy (found ${JSON.stringify(flags.strategies)}); give keys or names separated by commas, e.g. --strategies a,a2,d,e, or leave the option out for all but p`,
      );
    }
    pickStrategies(o.strategies);
  }
  if (flags.price !== undefined) o.pricePerHour = parsePositive(flags.price, "--price", priceLimit);
  if (flags.speedup !== undefined) o.speedup = parsePositive(flags.speedup, "--speedup");
  if (flags.rateScale !== undefined) o.rateScale = parsePositive(flags.rateScale, "--rate-scale");
  if (flags.holdLimit !== undefined) o.holdLimitS = parseSeconds(flags.holdLimit, "--hold-limit");
  if (flags.instanceLaunch !== undefined) o.instanceLaunchS = parseSeconds(flags.instanceLaunch, "--instance-launch", { allowZero: true });
  if (flags.idleRelease !== undefined) o.idleReleaseS = parseSeconds(flags.idleRelease, "--idle-release", { allowZero: true });
  if (flags.backlogGrowth === false) o.growOnBacklog = false;
  return o;
}

function clearProgress(flags: SimulateFlags, io: CommandIo): void {
  if (flags.progress === "terminal") io.err("\r\x1b[K");
}

function fail(io: CommandIo, message: string): number {
  io.err(`berth simulate: ${message}\n`);
  return 2;
}

/** What is at path, or undefined when nothing is (or a file stands where a folder on the way should be). */
async function statIfThere(path: string, out: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new RangeError(`--out ${out}: cannot look at ${path} (${(error as Error).message}); ${outAdvice}`);
  }
}

function jsonSummary(sim: Awaited<ReturnType<typeof simulate>>) {
  return {
    portfolio: sim.portfolio.file,
    trace: { source: sim.trace.source, format: sim.trace.format, durationS: sim.context.workload.durationS, requests: sim.context.workload.time.length },
    pricePerHour: sim.context.assumptions.pricePerHour,
    ratioBaseline: ratioBaseline(sim.results)?.key ?? null,
    slo: Object.fromEntries(sim.portfolio.models.map((m) => [m.name, { measure: m.slo, ms: m.sloMs }])),
    strategies: sim.results.map((r) => ({
      key: r.key,
      name: r.name,
      label: r.label,
      baseline: r.baseline ?? false,
      gpuHours: r.gpuHours,
      instanceHours: r.instanceHours,
      cost: r.cost,
      meanGpuUtilization: nullable(r.meanGpuUtilization),
      sloAttainment: nullable(sloAttainment(r)),
      failed: nullable(r.failed),
      failedBy: r.failedBy ?? null,
      held: nullable(r.held),
      coldStarts: nullable(r.coldStarts),
      p50Ms: nullable(r.p50Ms),
      p99Ms: nullable(r.p99Ms),
      p99E2eMs: nullable(r.p99E2eMs ?? NaN),
      peakInstances: r.peakInstances,
    })),
  };
}

function nullable(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

// Runnable on its own until src/cli/main.ts registers the command: node dist/src/cli/simulate-command.js simulate …
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const program = new Command().name("berth");
  registerSimulateCommand(program);
  await program.parseAsync(process.argv);
}
