import type { Catalog, Portfolio, Trace } from "../input/index.js";
import { simulateLoaded, type SimulateOptions } from "../simulate.js";
import type { StrategyResult } from "../strategies/index.js";
import { applySettings, type DeploymentSettings } from "./settings.js";

/** One point of the frontier: a named setting, and what strategy (d) gives with it. */
export interface FrontierPoint {
  label: string;
  /** The feature or setting the point moves, e.g. "headroom" or "shares". */
  feature: string;
  settings: DeploymentSettings;
  result: StrategyResult;
  cost: number;
  /** Baseline cost ÷ this cost. */
  ratio: number;
  /** Requests within their SLO ÷ all requests, failed ones counted as misses. */
  attainment: number;
}

export interface FrontierSetting {
  label: string;
  feature: string;
  settings: DeploymentSettings;
}

/** The simulate() options a setting carries (the rest are portfolio fields, see applySettings). */
export function settingOptions(settings: DeploymentSettings): SimulateOptions {
  return {
    ...(settings.idleReleaseS !== undefined && { idleReleaseS: settings.idleReleaseS }),
    ...(settings.growOnBacklog !== undefined && { growOnBacklog: settings.growOnBacklog }),
  };
}

/** Runs the given strategies on the portfolio with the settings applied: the same simulateLoaded, strategies and decision code as `berth simulate`. */
export function runWithSettings(
  portfolio: Portfolio,
  catalog: Catalog,
  trace: Trace,
  settings: DeploymentSettings,
  strategies: readonly string[],
): StrategyResult[] {
  return simulateLoaded(applySettings(portfolio, catalog, settings), trace, { strategies, ...settingOptions(settings) }).results;
}

/** Strategy (d) at each setting, its cost set against `baselineCost` (measured on the same trace in the same run). */
export function frontier(portfolio: Portfolio, catalog: Catalog, trace: Trace, settings: readonly FrontierSetting[], baselineCost: number): FrontierPoint[] {
  return settings.map((s) => point(s, runWithSettings(portfolio, catalog, trace, s.settings, ["d"])[0]!, baselineCost));
}

export function point(s: FrontierSetting, result: StrategyResult, baselineCost: number): FrontierPoint {
  return { ...s, result, cost: result.cost, ratio: baselineCost / result.cost, attainment: result.requests > 0 ? result.withinSlo / result.requests : 1 };
}
