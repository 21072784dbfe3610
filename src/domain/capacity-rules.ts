import type { Resources } from "./compute.js";
import { resourceAmount, resourceKeys, resourceLabel, shortfalls, type Shortfall } from "./fit.js";
import type { Quotas } from "./quotas.js";
import type { ComponentRecord, EndpointRecord, VariantState } from "./resources.js";

/**
 * The one set of rules for changing capacity (a component's desired copies, a variant's desired
 * instances and weight), whoever asks: the API operations, the autoscaler, and updates that start a
 * rollout. Each returns the new record, or why the change is refused; the API answers a refusal with
 * its SageMaker error, the autoscaler records it as a Failed scaling activity.
 */
export type CapacityRefusal =
  | { code: "ComponentDeleting"; component: string }
  | { code: "RolloutInProgress"; component: string }
  | { code: "AdapterHasNoCopies"; component: string }
  | { code: "CopyQuota"; component: string; requested: number; limit: number }
  | { code: "EndpointNotInService"; endpoint: string; endpointArn: string; status: string }
  | { code: "VariantNotFound"; endpoint: string; variant: string; variants: string[] }
  | { code: "InstanceQuota"; endpoint: string; what: string; requested: number; limit: number }
  | { code: "CopiesNeedInstances"; endpoint: string; variant: string; requested: number; minimum: number; copies: WantedCopies[]; shortOf?: string }
  | { code: "CopyLargerThanInstance"; endpoint: string; variant: string; component: string; instanceType: string; shortfalls: Shortfall[] }
  | {
      code: "CopiesDoNotPack";
      endpoint: string;
      variant: string;
      instanceType: string;
      requested: number;
      component: string;
      copies: number;
      placed: number;
      needs: Resources;
      capacity: Resources;
      /** How many instances of the type would hold every copy, when some number within the quota would. */
      minimum?: number;
    };

export type CapacityChange<T> = { ok: true; record: T; changed: boolean } | { ok: false; refusal: CapacityRefusal };

/**
 * A component's copy count. Refused while it is Deleting, while an update rolls out (the rollout owns
 * the count until it ends), for adapters (they have no copies) and past the copy quota. InService and
 * Failed components become Updating; Creating and Updating ones stay as they are.
 */
export function setCopyCount(component: ComponentRecord, copies: number, quotas: Quotas, now: number): CapacityChange<ComponentRecord> {
  const name = component.name;
  if (component.status === "Deleting") return refuse({ code: "ComponentDeleting", component: name });
  if (component.rollout) return refuse({ code: "RolloutInProgress", component: name });
  if (component.resolved.baseComponentName) return refuse({ code: "AdapterHasNoCopies", component: name });
  if (copies > quotas.maxCopiesPerComponent) return refuse({ code: "CopyQuota", component: name, requested: copies, limit: quotas.maxCopiesPerComponent });
  const status = component.status === "InService" || component.status === "Failed" ? "Updating" : component.status;
  const record: ComponentRecord = { ...component, desiredCopyCount: copies, status, resumeStatus: undefined, lastModifiedAt: now };
  return { ok: true, record, changed: copies !== component.desiredCopyCount };
}

export interface VariantCapacity {
  variant: string;
  instances?: number;
  weight?: number;
}

/** One inference component's copies on a variant: how many it wants, and what each needs. */
export interface WantedCopies {
  component: string;
  copies: number;
  needs: Resources;
}

/**
 * What a variant's inference components want of its instances: the copies they want (none for components
 * being deleted, adapters and components at zero copies) and, when known, what one instance of the
 * variant's type offers.
 */
export interface VariantCopies {
  copies: WantedCopies[];
  instance?: { type: string; capacity: Resources };
}

/** The copies `components` (an endpoint's, any variant) want on `variant`, with its instances' capacity when known. */
export function variantCopies(variant: string, components: readonly ComponentRecord[], instance?: VariantCopies["instance"]): VariantCopies {
  const copies = components
    .filter((c) => c.variantName === variant && c.status !== "Deleting" && !c.resolved.baseComponentName && c.desiredCopyCount > 0)
    .map((c) => ({ component: c.name, copies: c.desiredCopyCount, needs: c.resolved.needs }))
    .sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
  return instance ? { copies, instance } : { copies };
}

/**
 * Variants' desired instance counts and weights. Refused unless the endpoint is InService (so not while
 * it is Creating, Updating, Deleting or Failed), for a variant the endpoint does not have, and past the
 * endpoint's instance quota. A change makes the endpoint Updating, as SageMaker does; the endpoint
 * controller (planStatus) returns it to InService once the new capacity serves.
 *
 * A lowered instance count is refused when the copies the variant's inference components want (`copiesOf`,
 * per variant) cannot fit: 0 instances while any copy is wanted (a variant reaches zero instances only once
 * its components want none), and fewer instances than the copies' summed needs take. Without this, the
 * instances drained for it could never hand their copies on, and the endpoint stayed Updating.
 */
export function setVariantCapacity(
  endpoint: EndpointRecord,
  changes: VariantCapacity[],
  quotas: Quotas,
  now: number,
  copiesOf: (variant: string) => VariantCopies | undefined = () => undefined,
): CapacityChange<EndpointRecord> {
  if (endpoint.status !== "InService")
    return refuse({ code: "EndpointNotInService", endpoint: endpoint.name, endpointArn: endpoint.arn, status: endpoint.status });
  const variants: Record<string, VariantState> = { ...endpoint.current.variants };
  let changed = false;
  for (const change of changes) {
    const state = variants[change.variant];
    if (!state) return refuse({ code: "VariantNotFound", endpoint: endpoint.name, variant: change.variant, variants: Object.keys(endpoint.current.variants) });
    const next = { desiredInstanceCount: change.instances ?? state.desiredInstanceCount, desiredWeight: change.weight ?? state.desiredWeight };
    changed ||= next.desiredInstanceCount !== state.desiredInstanceCount || next.desiredWeight !== state.desiredWeight;
    if (next.desiredInstanceCount < state.desiredInstanceCount) {
      const short = copiesShort(endpoint.name, change.variant, next.desiredInstanceCount, copiesOf(change.variant));
      if (short) return refuse(short);
    }
    variants[change.variant] = next;
  }
  const excess = instanceExcess(endpoint.name, variants, quotas);
  if (excess) return refuse(excess);
  const status = changed ? "Updating" : endpoint.status;
  return { ok: true, record: { ...endpoint, status, current: { ...endpoint.current, variants }, lastModifiedAt: now }, changed };
}

/**
 * Whether a variant of a new endpoint configuration (UpdateEndpoint) can hold the copies its inference
 * components want (`wanted`, with the new instance type's capacity): every copy must fit one instance of the
 * new type, and the copies' summed needs must fit in `maxInstances` of them (the variant's DesiredInstanceCount:
 * managed instance scaling adds none while an update is pending). Without this, the update could never move
 * those copies onto the new instances, and the endpoint stayed Updating with no way out.
 */
export function variantCanHold(endpoint: string, variant: string, maxInstances: number, wanted: VariantCopies): CapacityRefusal | undefined {
  const capacity = wanted.instance?.capacity;
  if (capacity)
    for (const c of wanted.copies) {
      const short = shortfalls(capacity, c.needs);
      if (short.length > 0)
        return { code: "CopyLargerThanInstance", endpoint, variant, component: c.component, instanceType: wanted.instance!.type, shortfalls: short };
    }
  return copiesShort(endpoint, variant, maxInstances, wanted);
}

/** The most instances a variant may have while the endpoint's other variants keep theirs. */
export function variantInstanceRoom(endpoint: EndpointRecord, variant: string, quotas: Quotas): number {
  const others = Object.entries(endpoint.current.variants).reduce((sum, [name, v]) => sum + (name === variant ? 0 : v.desiredInstanceCount), 0);
  return Math.max(0, quotas.maxInstancesPerEndpoint - others);
}

/**
 * Why `instances` of a variant cannot hold the copies its components want, if they cannot: none at all
 * while a copy is wanted, or fewer than the copies' summed needs, resource by resource, take. A lower bound
 * (copies that fit in sum may still not pack); the endpoint controller says when a drain cannot finish.
 */
function copiesShort(endpoint: string, variant: string, instances: number, wanted: VariantCopies | undefined): CapacityRefusal | undefined {
  if (!wanted || wanted.copies.length === 0) return undefined;
  const refusal = { code: "CopiesNeedInstances" as const, endpoint, variant, requested: instances, copies: wanted.copies };
  const capacity = wanted.instance?.capacity;
  let minimum = 1;
  let shortOf: string | undefined;
  if (capacity) {
    for (const resource of resourceKeys) {
      const total = wanted.copies.reduce((sum, c) => sum + c.needs[resource] * c.copies, 0);
      if (total === 0 || capacity[resource] === 0) continue;
      const need = Math.ceil(total / capacity[resource]);
      if (need > minimum) {
        minimum = need;
        shortOf = `${resourceLabel(resource)}: ${resourceAmount(resource, total)} in all, ${resourceAmount(resource, capacity[resource])} on each ${wanted.instance!.type} instance`;
      }
    }
  }
  return instances < minimum ? { ...refusal, minimum, ...(shortOf ? { shortOf } : {}) } : undefined;
}

function instanceExcess(endpoint: string, variants: Record<string, VariantState>, quotas: Quotas): CapacityRefusal | undefined {
  const limit = quotas.maxInstancesPerEndpoint;
  let total = 0;
  for (const [name, state] of Object.entries(variants)) {
    if (state.desiredInstanceCount > limit)
      return { code: "InstanceQuota", endpoint, what: `DesiredInstanceCount of variant '${name}'`, requested: state.desiredInstanceCount, limit };
    total += state.desiredInstanceCount;
  }
  if (total > limit) return { code: "InstanceQuota", endpoint, what: "DesiredInstanceCount summed over the endpoint's variants", requested: total, limit };
  return undefined;
}

function refuse(refusal: CapacityRefusal): { ok: false; refusal: CapacityRefusal } {
  return { ok: false, refusal };
}
