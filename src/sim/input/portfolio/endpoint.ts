import { maxPricePerHour } from "../../duration.js";
import type { Catalog, CatalogInstance } from "./catalog.js";
import type { Fields } from "./fields.js";
import { didYouMean, listSome } from "./suggest.js";
import type { PortfolioEndpoint } from "./types.js";
import { readWeightCache } from "./weight-cache.js";

const endpointFields = ["instanceType", "minInstances", "maxInstances", "pricePerHour", "weightCache"];

/**
 * Instances of the endpoint: the instances-per-endpoint quota Berth's own cluster benchmark runs the
 * server with (its default is SageMaker's 4, raised in the quotas settings).
 */
export const maxInstancesPerEndpoint = 1_000;
const instancesRule = { whole: true, max: maxInstancesPerEndpoint, maxMeans: "instances per endpoint" };

export function readEndpoint(f: Fields, value: unknown, catalog: Catalog): PortfolioEndpoint | undefined {
  if (value === undefined) return f.fail([], "missing field 'endpoint' (at least { instanceType })");
  const e = f.mapping(["endpoint"], value, endpointFields);
  if (!e) return undefined;
  const spec = instanceSpec(f, f.required(["endpoint"], e, "instanceType", "an instance type from instances.json, e.g. ml.p4d.24xlarge"), catalog);
  const minInstances = e.minInstances === undefined ? 1 : f.number(["endpoint", "minInstances"], e.minInstances, { ...instancesRule, min: 0 });
  const maxInstances =
    e.maxInstances === undefined
      ? Math.max(1, minInstances ?? 1)
      : f.number(["endpoint", "maxInstances"], e.maxInstances, { ...instancesRule, min: Math.max(1, minInstances ?? 1) });
  const override =
    e.pricePerHour === undefined
      ? undefined
      : f.number(["endpoint", "pricePerHour"], e.pricePerHour, { above: 0, max: maxPricePerHour, maxMeans: "USD per instance-hour" });
  const weightCache = readWeightCache(f, e.weightCache);
  if (!spec || !weightCache || minInstances === undefined || maxInstances === undefined || (e.pricePerHour !== undefined && override === undefined))
    return undefined;
  const price = resolvePrice(spec, override);
  if (!price)
    return f.fail(["endpoint", "instanceType"], `the catalog has no price for ${spec.instanceType}; set endpoint.pricePerHour (USD per instance-hour)`);
  return {
    instanceType: spec.instanceType,
    minInstances,
    maxInstances,
    ...price,
    instance: {
      accelerators: spec.accelerators,
      acceleratorModel: spec.acceleratorModel,
      memoryPerAcceleratorGiB: spec.memoryPerAcceleratorGiB,
      vcpus: spec.vcpus,
      memoryGiB: spec.memoryGiB,
    },
    weightCache,
  };
}

function instanceSpec(f: Fields, value: unknown, catalog: Catalog): CatalogInstance | undefined {
  if (value === undefined) return undefined;
  const name = f.string(["endpoint", "instanceType"], value);
  if (name === undefined) return undefined;
  const spec = catalog.instances.get(name);
  if (spec) return spec;
  const names = [...catalog.instances.keys()];
  const guess = didYouMean(name, names);
  return f.fail(
    ["endpoint", "instanceType"],
    `unknown instance type '${name}'${guess ? ` — did you mean '${guess}'?` : ""}; instances.json in ${catalog.dir} has ${listSome(names, name)}`,
  );
}

function resolvePrice(spec: CatalogInstance, override: number | undefined): Pick<PortfolioEndpoint, "pricePerHour" | "priceSource"> | undefined {
  if (override !== undefined) return { pricePerHour: override, priceSource: "portfolio" };
  if (spec.pricePerHour !== null) return { pricePerHour: spec.pricePerHour, priceSource: spec.priceStatus === "sourced" ? "catalog" : "catalog-unconfirmed" };
  if (spec.estimatedPricePerHour !== null) return { pricePerHour: spec.estimatedPricePerHour, priceSource: "catalog-estimate" };
  return undefined;
}
