import type { Resources } from "../../../domain/compute.js";
import { shortfalls, type Shortfall } from "../../../domain/fit.js";
import { describeValue } from "../errors.js";
import type { Catalog, CatalogModel } from "./catalog.js";
import { copyNeeds, memoryHeadroomPercent, shapeCapacity } from "./copy-fit.js";
import type { FieldPath, Fields } from "./fields.js";
import { readLatency, readScaling, readSloMeasure, readStartup } from "./model-parts.js";
import { readPrefixSharing, readRouting } from "./prefix-sharing.js";
import { didYouMean, listSome } from "./suggest.js";
import type { InstanceShape, PortfolioModel } from "./types.js";

const modelFields = [
  "name",
  "catalogModel",
  "sizeGB",
  "accelerators",
  "acceleratorMemoryGiB",
  "memoryGiB",
  "cpuCores",
  "startup",
  "startupSeconds",
  "latency",
  "concurrency",
  "sloMs",
  "slo",
  "scaling",
  "routing",
  "prefixSharing",
] as const;

const bytesPerGiB = 2 ** 30;
const gbToGiB = (gb: number): number => Math.ceil(((gb * 1e9) / bytesPerGiB) * 100) / 100;

export const defaultCpuCores = 1;
/** Requests one copy serves at once: the engine keeps a slot per request for every copy it starts. */
export const maxConcurrency = 1_024;

export function readModels(f: Fields, value: unknown, catalog: Catalog, instance: InstanceShape | undefined, notes: string[]): PortfolioModel[] {
  if (value === undefined) {
    f.fail([], "missing field 'models' (the list of models to serve)");
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) {
    f.fail(["models"], `must be a list with at least one model, found ${Array.isArray(value) ? "an empty list" : describeValue(value)}`);
    return [];
  }
  const models: PortfolioModel[] = [];
  const seen = new Map<string, number>();
  value.forEach((raw, i) => {
    const model = readModel(f, ["models", i], raw, catalog, instance, notes);
    const name = (raw as { name?: unknown } | null)?.name;
    if (typeof name === "string") {
      const earlier = seen.get(name);
      if (earlier !== undefined) f.fail(["models", i, "name"], `'${name}' is already the name of models[${earlier}]; names must be unique`);
      else seen.set(name, i);
    }
    if (model) models.push(model);
  });
  return models;
}

function readModel(
  f: Fields,
  path: FieldPath,
  raw: unknown,
  catalog: Catalog,
  instance: InstanceShape | undefined,
  notes: string[],
): PortfolioModel | undefined {
  const m = f.mapping(path, raw, modelFields);
  if (!m) return undefined;
  const at = (key: string): FieldPath => [...path, key];
  const name = readName(f, at("name"), f.required(path, m, "name", "what the model is called in reports and in mapping.explicit"));
  const entry = m.catalogModel === undefined ? undefined : catalogEntry(f, at("catalogModel"), m.catalogModel, catalog);
  const sizeGB = m.sizeGB === undefined ? entry?.fp16WeightsGB : f.number(at("sizeGB"), m.sizeGB, { above: 0 });
  const accelerators = f.number(at("accelerators"), f.required(path, m, "accelerators", "whole accelerator devices per copy"), { whole: true, min: 1 });
  const acceleratorMemoryGiB = readShare(f, at("acceleratorMemoryGiB"), m.acceleratorMemoryGiB, accelerators, instance, sizeGB);
  const memoryGiB = m.memoryGiB === undefined ? memoryFromCatalog(f, path, entry, notes) : f.number(at("memoryGiB"), m.memoryGiB, { above: 0 });
  const cpuCores = m.cpuCores === undefined ? defaultCpuCores : f.number(at("cpuCores"), m.cpuCores, { above: 0 });
  const startup = readStartup(f, path, m, sizeGB);
  const latency = readLatency(f, at("latency"), f.required(path, m, "latency", "{ firstTokenMs, perOutputTokenMs } or { fixedMs }"));
  const concurrency =
    m.concurrency === undefined
      ? 1
      : f.number(at("concurrency"), m.concurrency, { whole: true, min: 1, max: maxConcurrency, maxMeans: "requests in service on one copy" });
  const sloMs = f.number(at("sloMs"), f.required(path, m, "sloMs", "the latency SLO in milliseconds"), { above: 0 });
  const slo = readSloMeasure(f, at("slo"), m.slo, latency);
  const scaling = readScaling(f, at("scaling"), f.required(path, m, "scaling", "at least { maxCopies }"), concurrency ?? 1);
  const routing = readRouting(f, at("routing"), m.routing);
  const prefixSharing = readPrefixSharing(f, at("prefixSharing"), m.prefixSharing, latency, slo);
  // The scheduler's own fit check on one empty instance: a copy refused here could never be placed.
  const short = instance ? copyShortfalls(instance, { accelerators, cpuCores, memoryGiB }) : new Map<keyof Resources, Shortfall>();
  if (instance && short.has("accelerators")) {
    f.fail(
      at("accelerators"),
      `a copy needs ${accelerators} accelerators but one instance of the endpoint has ${instance.accelerators}; lower it or pick a larger instanceType`,
    );
  }
  if (instance && sizeGB !== undefined && accelerators !== undefined && !short.has("accelerators")) {
    const deviceGB = (accelerators * instance.memoryPerAcceleratorGiB * bytesPerGiB) / 1e9;
    if (sizeGB > deviceGB) {
      const needed = Math.ceil(sizeGB / ((instance.memoryPerAcceleratorGiB * bytesPerGiB) / 1e9));
      f.fail(
        m.sizeGB === undefined ? at("catalogModel") : at("sizeGB"),
        `${sizeGB} GB of weights do not fit in ${accelerators} × ${instance.memoryPerAcceleratorGiB} GiB of accelerator memory; use at least ${needed} accelerators`,
      );
    }
  }
  const memory = short.get("memoryMiB");
  if (instance && memory) {
    f.fail(
      m.memoryGiB === undefined ? path : at("memoryGiB"),
      `a copy needs ${memoryGiB} GiB but one instance has ${instance.memoryGiB} GiB of memory, of which ${Math.floor((memory.available / 1024) * 100) / 100} GiB ` +
        `can be reserved (${memoryHeadroomPercent}% is kept for the system); lower it or pick a larger instanceType`,
    );
  }
  if (instance && short.has("cpuMillis")) f.fail(at("cpuCores"), `a copy needs ${cpuCores} CPU cores but one instance has ${instance.vcpus}`);
  if (name === undefined || accelerators === undefined || memoryGiB === undefined || cpuCores === undefined || !startup || !latency) return undefined;
  if (concurrency === undefined || sloMs === undefined || !slo || !scaling || !routing || prefixSharing === null) return undefined;
  return {
    name,
    ...(entry && { catalogModel: entry.id }),
    ...(sizeGB !== undefined && { sizeGB }),
    accelerators,
    ...(acceleratorMemoryGiB !== undefined && { acceleratorMemoryGiB }),
    memoryGiB,
    cpuCores,
    startup,
    latency,
    concurrency,
    sloMs,
    slo,
    scaling,
    ...(m.routing !== undefined && { routing }),
    ...(prefixSharing && { prefixSharing }),
  };
}

/**
 * Each model is placed as an inference component of its name, so names follow SageMaker's rule for
 * one; that also keeps them from breaking the report's Markdown (a `|`) or carrying HTML into it.
 */
const namePattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

function readName(f: Fields, path: FieldPath, value: unknown): string | undefined {
  const name = f.string(path, value);
  if (name === undefined || namePattern.test(name)) return name;
  const suggestion = name
    .replace(/[^a-zA-Z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return f.fail(
    path,
    `must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit (a SageMaker inference component's name), ` +
      `found ${describeValue(name)}${suggestion === "" ? "" : `; rename it, e.g. '${suggestion}'`}`,
  );
}

function catalogEntry(f: Fields, path: FieldPath, value: unknown, catalog: Catalog): CatalogModel | undefined {
  const id = f.string(path, value);
  if (id === undefined) return undefined;
  const entry = catalog.models.get(id);
  if (entry) return entry;
  const ids = [...catalog.models.keys()];
  const guess = didYouMean(id, ids);
  return f.fail(path, `unknown catalog model '${id}'${guess ? ` — did you mean '${guess}'?` : ""}; models.json in ${catalog.dir} has ${listSome(ids, id)}`);
}

function memoryFromCatalog(f: Fields, path: FieldPath, entry: CatalogModel | undefined, notes: string[]): number | undefined {
  if (!entry) return f.fail(path, "missing field 'memoryGiB' (memory one copy reserves); give it, or a catalogModel to take it from the catalog");
  if (entry.typicalServingMemoryGB !== null) return gbToGiB(entry.typicalServingMemoryGB);
  if (entry.minServingMemoryGB !== null) {
    notes.push(
      `models '${entry.id}': the catalog has no typical_serving_memory_gb, so memoryGiB comes from min_serving_memory_gb (${entry.minServingMemoryGB} GB)`,
    );
    return gbToGiB(entry.minServingMemoryGB);
  }
  return f.fail(path, `missing field 'memoryGiB': the catalog has no memory estimate for '${entry.id}'`);
}

/** The resources one copy is short of on an empty instance; a field not read (undefined) is never short. */
function copyShortfalls(
  instance: InstanceShape,
  model: { accelerators: number | undefined; cpuCores: number | undefined; memoryGiB: number | undefined },
): Map<keyof Resources, Shortfall> {
  const needs = copyNeeds({ accelerators: model.accelerators ?? 0, cpuCores: model.cpuCores ?? 0, memoryGiB: model.memoryGiB ?? 0 });
  return new Map(shortfalls(shapeCapacity(instance), needs).map((s) => [s.resource, s]));
}

/** A copy's part of one accelerator: only with accelerators 1, within one device, and room for the weights. */
function readShare(
  f: Fields,
  path: FieldPath,
  value: unknown,
  accelerators: number | undefined,
  instance: InstanceShape | undefined,
  sizeGB: number | undefined,
) {
  if (value === undefined) return undefined;
  const gib = f.number(path, value, { above: 0 });
  if (gib === undefined) return undefined;
  if (accelerators !== undefined && accelerators !== 1) return f.fail(path, `a share of one accelerator needs accelerators: 1, got ${accelerators}`);
  if (instance && gib > instance.memoryPerAcceleratorGiB) {
    return f.fail(path, `${gib} GiB is more than one accelerator of the endpoint has (${instance.memoryPerAcceleratorGiB} GiB)`);
  }
  if (sizeGB !== undefined && (sizeGB * 1e9) / bytesPerGiB > gib) return f.fail(path, `${sizeGB} GB of weights do not fit in a ${gib} GiB share`);
  return gib;
}
