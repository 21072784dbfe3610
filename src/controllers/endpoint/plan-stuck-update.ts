import { subtractResources, type Resources } from "../../domain/compute.js";
import { resourceAmount, resourceKeys, resourceLabel } from "../../domain/fit.js";
import type { CopyPlan } from "./plan-copies.js";
import { hostsModels, isReadyCopy, type EndpointWorld } from "./world.js";

/**
 * An endpoint update (UpdateEndpoint) whose new instances are all up, with nothing under way on them, while
 * copies still run on the old instances with no replacement: the scheduler found no room for them on the new
 * instances (copies that fit in sum but do not pack, as they were placed), so the move can never finish as
 * things stand, and it is rolled back.
 */
export interface StuckUpdate {
  configName: string;
  variant: string;
  instanceType: string;
  instances: number;
  /** The components with copies left on the old instances that no new instance has room for. */
  components: { name: string; stranded: number; copies: number; needs: Resources }[];
  /** The most of each resource free on any of the new instances. */
  mostFree: Resources;
}

/**
 * Decided only once placement has nothing left to try: every instance of the new configuration's variant is
 * in service (none launching), this pass places and stops no copy there, no copy there is still draining or
 * starting (a copy of a Failed component aside), and the scheduler's placement over the new configuration's
 * full instance set (this pass's `copies`) left a copy on an old instance without a replacement.
 */
export function stuckUpdate(world: EndpointWorld, copies: CopyPlan): StuckUpdate | undefined {
  const endpoint = world.endpoint;
  const target = endpoint?.pending;
  if (!endpoint || !target || endpoint.status !== "Updating" || hostsModels(target)) return undefined;
  const failed = new Set(world.components.filter((c) => c.status === "Failed").map((c) => c.name));
  const stopping = new Set(copies.drain.map((d) => d.id));
  for (const { VariantName: variant, InstanceType: instanceType } of target.config.ProductionVariants) {
    const want = target.variants[variant]?.desiredInstanceCount ?? 0;
    const instances = world.instances.filter((i) => i.variantName === variant);
    const fresh = instances.filter((i) => i.generation === target.generation);
    if (want === 0 || fresh.length !== want || instances.some((i) => i.state === "Pending") || fresh.some((i) => i.state !== "InService")) continue;
    const ids = new Set(instances.map((i) => i.id));
    const freshIds = new Set(fresh.map((i) => i.id));
    const onVariant = world.copies.filter((c) => ids.has(c.instanceId));
    const underWay =
      copies.add.some((c) => ids.has(c.instanceId)) ||
      onVariant.some((c) => stopping.has(c.id) || c.state === "Draining") ||
      onVariant.some((c) => freshIds.has(c.instanceId) && !isReadyCopy(world, c) && !(c.owner.type === "component" && failed.has(c.owner.name)));
    if (underWay) continue;
    const replaced = new Set(onVariant.flatMap((c) => (c.state === "Active" && c.replaces !== undefined ? [c.replaces] : [])));
    const stranded = onVariant.filter((c) => !freshIds.has(c.instanceId) && c.state === "Active" && c.owner.type === "component" && !replaced.has(c.id));
    if (stranded.length === 0) continue;
    const components = world.components
      .filter((c) => stranded.some((s) => s.owner.type === "component" && s.owner.name === c.name))
      .map((c) => ({
        name: c.name,
        stranded: stranded.filter((s) => s.owner.type === "component" && s.owner.name === c.name).length,
        copies: c.desiredCopyCount,
        needs: c.resolved.needs,
      }));
    const mostFree = { accelerators: 0, cpuMillis: 0, memoryMiB: 0 };
    for (const instance of fresh) {
      const free = onVariant.filter((c) => c.instanceId === instance.id).reduce((left, c) => subtractResources(left, c.resources), instance.capacity);
      for (const r of resourceKeys) mostFree[r] = Math.max(mostFree[r], free[r]);
    }
    if (components.length > 0) return { configName: target.configName, variant, instanceType: instanceType ?? "", instances: want, components, mostFree };
  }
  return undefined;
}

/** The endpoint's FailureReason once a stuck update is rolled back: what does not fit where, and what to do. */
export function stuckUpdateReason(stuck: StuckUpdate): string {
  const names = stuck.components.map((c) => `'${c.name}'`).join(", ");
  const what = stuck.components
    .map((c) => {
      const used = resourceKeys.filter((r) => c.needs[r] > 0);
      const needs = used.map((r) => `${resourceAmount(r, c.needs[r])} ${resourceLabel(r)}`).join(", ");
      const free = used.map((r) => `${resourceAmount(r, stuck.mostFree[r])} ${resourceLabel(r)}`).join(", ");
      return (
        `${c.name}: ${c.stranded} of its ${c.copies} ${c.copies === 1 ? "copy" : "copies"} found no room; each copy needs ${needs} on one instance, ` +
        `and the most free on any new instance is ${free}`
      );
    })
    .join("; ");
  const text =
    `Update to endpoint configuration '${stuck.configName}' was rolled back: its ${stuck.instances} ${stuck.instanceType} instance${stuck.instances === 1 ? "" : "s"} ` +
    `of variant '${stuck.variant}' cannot hold every copy of inference component${stuck.components.length === 1 ? "" : "s"} ${names} (${what}). ` +
    `A copy never spans instances: choose an instance type or count that holds each copy, or scale those inference components down, and call UpdateEndpoint again.`;
  return text.slice(0, 1024);
}
