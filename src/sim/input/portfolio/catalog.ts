import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CatalogError } from "../errors.js";

export interface CatalogModel {
  id: string;
  fp16WeightsGB: number;
  typicalServingMemoryGB: number | null;
  minServingMemoryGB: number | null;
  /** KV cache per token of context (K and V, all layers, 16-bit), bytes; null when the layout is unknown. */
  kvBytesPerToken: number | null;
  /** The longest context the model takes, tokens; null when unknown. */
  maxContext: number | null;
}

export interface CatalogInstance {
  instanceType: string;
  accelerators: number;
  acceleratorModel: string | null;
  memoryPerAcceleratorGiB: number;
  vcpus: number;
  memoryGiB: number;
  /** SageMaker real-time price, USD per hour; null when the catalog has none. */
  pricePerHour: number | null;
  priceStatus: string;
  estimatedPricePerHour: number | null;
}

export interface Catalog {
  dir: string;
  models: ReadonlyMap<string, CatalogModel>;
  instances: ReadonlyMap<string, CatalogInstance>;
}

/** `<project root>/data/catalog`, the project root being the folder with Berth's package.json. */
export function defaultCatalogDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new CatalogError(`cannot find Berth's package.json above ${fileURLToPath(import.meta.url)}; pass catalogDir`);
    dir = parent;
  }
  return resolve(dir, "data", "catalog");
}

export async function loadCatalog(dir: string = defaultCatalogDir()): Promise<Catalog> {
  const models = (await readJson(join(dir, "models.json"), "models")) as Record<string, unknown>[];
  const instances = (await readJson(join(dir, "instances.json"), "instances")) as Record<string, unknown>[];
  return {
    dir,
    models: new Map(models.map((m) => [String(m.id), toModel(m)])),
    instances: new Map(instances.map((i) => [String(i.instance_type), toInstance(i)])),
  };
}

async function readJson(file: string, listName: string): Promise<unknown[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CatalogError(
      `cannot read the catalog file ${file} (${(error as Error).message}); pass catalogDir pointing at a folder with models.json and instances.json`,
    );
  }
  const list = (data as Record<string, unknown> | null)?.[listName];
  if (!Array.isArray(list)) throw new CatalogError(`${file} has no '${listName}' list; is it a Berth catalog file?`);
  return list;
}

const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

function toModel(m: Record<string, unknown>): CatalogModel {
  return {
    id: String(m.id),
    fp16WeightsGB: num(m.fp16_weights_gb) ?? 0,
    typicalServingMemoryGB: num(m.typical_serving_memory_gb),
    minServingMemoryGB: num(m.min_serving_memory_gb),
    kvBytesPerToken: num((m.arch as Record<string, unknown> | undefined)?.kv_cache_bytes_per_token_fp16),
    maxContext: num((m.arch as Record<string, unknown> | undefined)?.max_context),
  };
}

function toInstance(i: Record<string, unknown>): CatalogInstance {
  const acc = (i.accelerator ?? null) as Record<string, unknown> | null;
  return {
    instanceType: String(i.instance_type),
    accelerators: num(acc?.count) ?? 0,
    acceleratorModel: typeof acc?.model === "string" ? acc.model : null,
    memoryPerAcceleratorGiB: num(acc?.memory_per_gpu_gib) ?? 0,
    vcpus: num(i.vcpus) ?? 0,
    memoryGiB: num(i.memory_gib) ?? 0,
    pricePerHour: num(i.sagemaker_realtime_usd_per_hour),
    priceStatus: typeof i.price_status === "string" ? i.price_status : "unknown",
    estimatedPricePerHour: num(i.estimated_sagemaker_usd_per_hour),
  };
}
