import type { Catalog, CatalogModel, Portfolio, PortfolioModel } from "../input/index.js";

/**
 * What a user of the example may set without changing its models, sizes, traffic or rate scale: how
 * each model is deployed (a share of one accelerator or whole ones, minimum copies, scaling to zero, its
 * scaling target) and how the endpoint runs (idle release, the weight cache's host-memory budget,
 * backlog growth). Each setting left out stays as the portfolio has it.
 */
export interface DeploymentSettings {
  /**
   * Models that run on a share of one accelerator sized by shareGiB. "one-accelerator-models": those the
   * portfolio gives one accelerator. "all-that-fit": also a multi-accelerator model whose share fits one
   * device; it then computes on one device instead of `accelerators`, so its latency is multiplied by
   * `accelerators` (no tensor-parallel speed-up is kept).
   */
  shares?: "none" | "one-accelerator-models" | "all-that-fit";
  /** Models kept on whole accelerators whatever `shares` says. */
  wholeDevices?: readonly string[];
  /** Models that scale to zero (minCopies 0); "as-shipped" keeps the portfolio's. */
  scaleToZero?: "as-shipped" | readonly string[];
  /** Multiplies every model's scaling target: below 1 keeps more headroom (more copies for the same load). */
  targetFactor?: number;
  /** Per model, a factor used instead of targetFactor. */
  targetFactorOf?: Readonly<Record<string, number>>;
  /** Scale-in cooldown of the models that scale to zero, seconds: the least time a woken copy stays. */
  idleToZeroS?: number;
  /** Seconds an instance stays empty before managed instance scaling releases it. */
  idleReleaseS?: number;
  /** Host memory each instance keeps weights in, GB (endpoint.weightCache.memoryBudgetGB). */
  memoryCacheGB?: number;
  /** Host memory each instance keeps parked engines' weights in, GB (endpoint.weightCache.parkedBudgetGB). */
  parkedEnginesGB?: number;
  /** Seconds a parked engine's wake takes besides copying its weights back (endpoint.weightCache.parkedWakeS). */
  parkedWakeS?: number;
  /** Local disk each instance keeps weights on, GB (endpoint.weightCache.diskBudgetGB; the server's artifacts.cacheBudgetMb). */
  diskCacheGB?: number;
  /** Berth's immediate growth on a backlog. */
  growOnBacklog?: boolean;
}

/** Tokens of context a share's KV cache is sized for, per request in service: the catalog's reference length (every CodeGen model's maximum context). */
export const shareContextTokens = 2048;
/** CUDA context, activations and allocator slack per copy, GB: the catalog's runtime overhead (data/catalog/models.json, formulas). */
export const shareOverheadGB = 2;

/**
 * The accelerator memory one copy needs, GiB: its fp16 weights, a KV cache holding `concurrency` requests
 * of min(max context, 2048) tokens each at the catalog's bytes per token, and 2 GB runtime overhead — the
 * catalog's typical_serving_memory_gb formula with the model's own concurrency for its 16 reference
 * sequences. Undefined when the catalog lacks the KV figure.
 */
export function shareGiB(model: Pick<PortfolioModel, "concurrency" | "sizeGB">, entry: CatalogModel): number | undefined {
  if (entry.kvBytesPerToken === null) return undefined;
  const tokens = model.concurrency * Math.min(entry.maxContext ?? shareContextTokens, shareContextTokens);
  const gb = (model.sizeGB ?? entry.fp16WeightsGB) + (entry.kvBytesPerToken * tokens) / 1e9 + shareOverheadGB;
  return Math.ceil(((gb * 1e9) / 2 ** 30) * 100) / 100;
}

/** The portfolio with the settings applied; the models, their sizes, the trace mapping and the rate scale are untouched. */
export function applySettings(portfolio: Portfolio, catalog: Catalog, settings: DeploymentSettings): Portfolio {
  const deviceGiB = portfolio.endpoint.instance.memoryPerAcceleratorGiB;
  const models = portfolio.models.map((model): PortfolioModel => {
    let out: PortfolioModel = { ...model, scaling: { ...model.scaling, target: { ...model.scaling.target } } };
    if (settings.shares !== undefined) {
      const { acceleratorMemoryGiB: _dropped, ...whole } = out;
      out = whole;
      const entry = model.catalogModel === undefined ? undefined : catalog.models.get(model.catalogModel);
      const eligible =
        !settings.wholeDevices?.includes(model.name) &&
        (settings.shares === "all-that-fit" || (settings.shares === "one-accelerator-models" && model.accelerators === 1));
      const gib = eligible && entry ? shareGiB(model, entry) : undefined;
      if (gib !== undefined && gib <= deviceGiB) out = { ...onOneDevice(out), acceleratorMemoryGiB: gib };
    }
    if (settings.scaleToZero !== undefined && settings.scaleToZero !== "as-shipped") {
      const zero = settings.scaleToZero.includes(model.name);
      out.scaling.scaleToZero = zero;
      out.scaling.minCopies = zero ? 0 : Math.max(1, model.scaling.minCopies);
    }
    const factor = settings.targetFactorOf?.[model.name] ?? settings.targetFactor;
    if (factor !== undefined) out.scaling.target.value = model.scaling.target.value * factor;
    if (settings.idleToZeroS !== undefined && out.scaling.minCopies === 0) out.scaling.scaleInCooldownS = settings.idleToZeroS;
    return out;
  });
  const weightCache = {
    ...portfolio.endpoint.weightCache,
    ...(settings.memoryCacheGB !== undefined && { memoryBudgetGB: settings.memoryCacheGB }),
    ...(settings.parkedEnginesGB !== undefined && { parkedBudgetGB: settings.parkedEnginesGB }),
    ...(settings.parkedWakeS !== undefined && { parkedWakeS: settings.parkedWakeS }),
    ...(settings.diskCacheGB !== undefined && { diskBudgetGB: settings.diskCacheGB }),
  };
  return { ...portfolio, models, endpoint: { ...portfolio.endpoint, weightCache } };
}

/** A model moved from `accelerators` devices to one: the same work on 1/accelerators of the compute. */
function onOneDevice(model: PortfolioModel): PortfolioModel {
  const k = model.accelerators;
  if (k === 1) return model;
  const l = model.latency;
  const latency =
    l.kind === "tokens"
      ? { ...l, firstTokenMs: l.firstTokenMs * k, perOutputTokenMs: l.perOutputTokenMs * k, perInputTokenMs: l.perInputTokenMs * k }
      : { ...l, fixedMs: l.fixedMs * k, ...(l.firstTokenMs !== undefined && { firstTokenMs: l.firstTokenMs * k }) };
  // Each copy now serves at 1/k of the speed: k times the copies keep the peak the model was sized for.
  const scaling = { ...model.scaling, maxCopies: model.scaling.maxCopies * k };
  return { ...model, accelerators: 1, latency, scaling };
}
