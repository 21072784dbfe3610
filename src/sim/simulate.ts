import { performance } from "node:perf_hooks";
import { buildWorkload, demandProfile, WorkloadError, type Workload } from "./engine/index.js";
import { loadPortfolio, mapStreams, readTrace, type Portfolio, type StreamAssignment, type Trace } from "./input/index.js";
import {
  defaultStrategies,
  instanceTemplate,
  pickStrategies,
  type SimulationAssumptions,
  type SimulationContext,
  type Strategy,
  type StrategyResult,
} from "./strategies/index.js";

export interface SimulateOptions {
  /** Window start in seconds of the trace; default 0. */
  startS?: number;
  /** Window length in seconds; default the portfolio's simulation.durationS, else the whole trace. */
  durationS?: number;
  speedup?: number;
  /** Multiplies the trace's request rate (rate traces draw more or fewer arrivals; request traces are thinned); default the portfolio's simulation.rateScale. */
  rateScale?: number;
  /** Seed of every random draw in the trace readers and the mapping; default the portfolio's simulation.seed. */
  seed?: number;
  /** Keys or names, in the order to show them; default (a)–(e). */
  strategies?: readonly string[];
  /** USD per instance-hour, overriding the portfolio and the catalog. */
  pricePerHour?: number;
  holdLimitS?: number;
  instanceLaunchS?: number;
  idleReleaseS?: number;
  /** Berth's immediate growth on a backlog in (d); false simulates target tracking alone. Default true. */
  growOnBacklog?: boolean;
  catalogDir?: string;
  /** Progress lines, at most one per second of wall time. */
  onProgress?: (line: string) => void;
}

export const defaultAssumptions = {
  tickS: 10,
  holdLimitS: 60,
  instanceLaunchS: 300,
  idleReleaseS: 600,
  warmStartBins: 5,
} as const;

export interface Simulation {
  portfolio: Portfolio;
  trace: Trace;
  assignment: StreamAssignment;
  context: SimulationContext;
  results: StrategyResult[];
  strategies: Strategy[];
}

/** Reads the portfolio and the trace, then runs every chosen strategy on the same requests. */
export async function simulate(portfolioFile: string, traceFile: string, options: SimulateOptions = {}): Promise<Simulation> {
  const portfolio = await loadPortfolio(portfolioFile, options.catalogDir === undefined ? {} : { catalogDir: options.catalogDir });
  const durationS = options.durationS ?? portfolio.simulation.durationS;
  const rateScale = options.rateScale ?? portfolio.simulation.rateScale;
  const trace = await readTrace(traceFile, {
    ...(options.startS !== undefined && { startS: options.startS }),
    ...(durationS !== undefined && { durationS }),
    ...(options.speedup !== undefined && { speedup: options.speedup }),
    ...(rateScale !== undefined && { rateScale }),
    seed: options.seed ?? portfolio.simulation.seed,
  });
  return simulateLoaded(portfolio, trace, options);
}

/** The same, for a portfolio and a trace already in memory. */
export function simulateLoaded(portfolio: Portfolio, trace: Trace, options: SimulateOptions = {}): Simulation {
  const strategies = options.strategies ? pickStrategies(options.strategies) : defaultStrategies();
  const assignment = mapStreams(trace, portfolio);
  const workload = buildWorkload(trace, assignment, portfolio.models, portfolio.file);
  refuseEmpty(workload, trace);
  const assumptions: SimulationAssumptions = {
    tickS: defaultAssumptions.tickS,
    holdLimitS: options.holdLimitS ?? defaultAssumptions.holdLimitS,
    instanceLaunchS: options.instanceLaunchS ?? defaultAssumptions.instanceLaunchS,
    idleReleaseS: options.idleReleaseS ?? defaultAssumptions.idleReleaseS,
    warmStartBins: defaultAssumptions.warmStartBins,
    growOnBacklog: options.growOnBacklog ?? true,
    pricePerHour: options.pricePerHour ?? portfolio.endpoint.pricePerHour,
    priceSource: options.pricePerHour !== undefined ? "command line (--price)" : priceSourceText(portfolio),
  };
  const progress = progressPrinter(options.onProgress, workload.durationS);
  const context: SimulationContext = {
    portfolio,
    trace,
    assignment,
    workload,
    demand: demandProfile(workload, 60),
    template: instanceTemplate(portfolio.endpoint),
    assumptions,
    sampleS: sampleStep(workload.durationS),
    onHour: progress,
  };
  const results = strategies.map((strategy) => {
    const start = performance.now();
    const result = strategy.run(context);
    result.wallMs = performance.now() - start;
    options.onProgress?.(`${strategy.label}: done in ${(result.wallMs / 1000).toFixed(1)} s`);
    return result;
  });
  return { portfolio, trace, assignment, context, results, strategies };
}

/** A run with no request costs nothing and meets every SLO vacuously: a table of dashes that looks like a result. */
function refuseEmpty(workload: Workload, trace: Trace): void {
  if (workload.time.length > 0) return;
  if (trace.totalRequests > 0) {
    throw new WorkloadError(
      `${trace.source}: none of the trace's ${trace.totalRequests} requests in the window is mapped to a model of the portfolio; map the trace's streams to its models (the portfolio's mapping)`,
    );
  }
  const { startS, endS, rateScale } = trace.options;
  const window = `from ${startS} s to ${Number.isFinite(endS) ? `${endS} s` : "the end of the trace"}`;
  const thinned = rateScale < 1 ? `, or a rate scale above ${rateScale} (--rate-scale, simulation.rateScale)` : "";
  throw new WorkloadError(
    `${trace.source}: the trace has no requests in the window (${window}); give a trace with requests, or pick a window that holds some with --start and --duration${thinned}`,
  );
}

/** About 600 samples per run, on whole minutes. */
export function sampleStep(durationS: number): number {
  return Math.max(60, Math.ceil(durationS / 600 / 60) * 60);
}

function priceSourceText(portfolio: Portfolio): string {
  switch (portfolio.endpoint.priceSource) {
    case "portfolio":
      return `the portfolio's endpoint.pricePerHour (${portfolio.file})`;
    case "catalog":
      return `the catalog (data/catalog/instances.json, sourced price for ${portfolio.endpoint.instanceType})`;
    case "catalog-unconfirmed":
      return `the catalog (data/catalog/instances.json, unconfirmed price for ${portfolio.endpoint.instanceType})`;
    case "catalog-estimate":
      return `the catalog's estimate (data/catalog/instances.json, no published price for ${portfolio.endpoint.instanceType})`;
  }
}

function progressPrinter(print: ((line: string) => void) | undefined, durationS: number): SimulationContext["onHour"] {
  if (!print) return undefined;
  let last = performance.now();
  return (strategy, simulatedS) => {
    const now = performance.now();
    if (now - last < 1000) return;
    last = now;
    print(`${strategy.label}: ${(simulatedS / 3600).toFixed(0)} h of ${(durationS / 3600).toFixed(1)} h simulated`);
  };
}
