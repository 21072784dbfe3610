import { quotaFailures } from "../../domain/errors/quotas.js";
import { componentExcess, endpointExcess, type Quotas } from "../../domain/quotas.js";
import type { ComponentRecord, EndpointDeployment, EndpointRecord } from "../../domain/resources.js";
import type { EndpointWorld } from "./world.js";

export interface QuotaPlan {
  /** What the other plans see: records over a quota are frozen at what they already run, so no pass does work they ask for. */
  world: EndpointWorld;
  /** The endpoint record as this plan leaves it (failed or resumed), when that changed. */
  endpoint?: EndpointRecord;
  /** Components as this plan leaves them, unclamped; those over a quota are in `failed`. */
  components: ComponentRecord[];
  failed: Set<string>;
  events: string[];
}

/**
 * A record may ask for more than today's quotas allow (an older Berth, or a lowered quota). It is marked
 * Failed with a reason and keeps what it runs; once within the quotas again it resumes its old status.
 */
export function planQuotas(world: EndpointWorld, quotas: Quotas): QuotaPlan {
  const plan: QuotaPlan = { world, components: world.components, failed: new Set(), events: [] };
  const endpoint = world.endpoint;
  let plannedEndpoint = endpoint;
  if (endpoint && endpoint.status !== "Deleting") {
    const excess = endpointExcess(endpoint, quotas);
    if (excess !== undefined) {
      if (endpoint.status !== "Failed") {
        const failureReason = quotaFailures.endpoint(endpoint.name, excess, quotas.maxInstancesPerEndpoint);
        plan.endpoint = { ...endpoint, status: "Failed", failureReason, resumeStatus: endpoint.status, lastModifiedAt: world.now };
        plan.events.push(`endpoint ${endpoint.name} is Failed: ${failureReason}`);
      }
      plannedEndpoint = {
        ...endpoint,
        status: "Failed",
        current: frozen(world, endpoint.current),
        pending: endpoint.pending && frozen(world, endpoint.pending),
      };
    } else if (endpoint.status === "Failed" && endpoint.resumeStatus) {
      plan.endpoint = { ...endpoint, status: endpoint.resumeStatus, failureReason: undefined, resumeStatus: undefined, lastModifiedAt: world.now };
      plan.events.push(`endpoint ${endpoint.name} is within quotas.maxInstancesPerEndpoint again and resumes as ${endpoint.resumeStatus}`);
      plannedEndpoint = plan.endpoint;
    }
  }
  const planned: ComponentRecord[] = [];
  plan.components = world.components.map((component) => {
    const { record, planning } = componentQuota(world, component, quotas, plan);
    planned.push(planning);
    return record;
  });
  if (plannedEndpoint !== endpoint || plan.failed.size > 0 || plan.components.some((c, i) => c !== world.components[i]))
    plan.world = { ...world, endpoint: plannedEndpoint, components: planned };
  return plan;
}

/** The component as stored after this pass, and as the other plans see it (an over-quota one frozen at its running copies). */
function componentQuota(
  world: EndpointWorld,
  component: ComponentRecord,
  quotas: Quotas,
  plan: QuotaPlan,
): { record: ComponentRecord; planning: ComponentRecord } {
  if (component.status === "Deleting" || component.resolved.baseComponentName) return { record: component, planning: component };
  const excess = componentExcess(component, quotas);
  if (excess !== undefined) {
    plan.failed.add(component.name);
    const active = world.copies.filter((c) => c.owner.type === "component" && c.owner.name === component.name && c.state === "Active").length;
    const planning = { ...component, desiredCopyCount: Math.min(component.desiredCopyCount, active) };
    if (component.status === "Failed") return { record: component, planning };
    const failureReason = quotaFailures.component(component.name, excess, quotas.maxCopiesPerComponent);
    plan.events.push(`inference component ${component.name} is Failed: ${failureReason}`);
    return { record: { ...component, status: "Failed", failureReason, resumeStatus: component.status, lastModifiedAt: world.now }, planning };
  }
  if (component.status === "Failed" && component.resumeStatus) {
    const resumed: ComponentRecord = { ...component, status: component.resumeStatus, lastModifiedAt: world.now };
    delete resumed.failureReason;
    delete resumed.resumeStatus;
    plan.events.push(`inference component ${component.name} is within quotas.maxCopiesPerComponent again and resumes as ${resumed.status}`);
    return { record: resumed, planning: resumed };
  }
  return { record: component, planning: component };
}

/** A deployment that asks for no more instances than it has (and no managed scaling), so nothing new is created for it. */
function frozen(world: EndpointWorld, deployment: EndpointDeployment): EndpointDeployment {
  const variants = Object.fromEntries(
    Object.entries(deployment.variants).map(([name, state]) => {
      const live = world.instances.filter((i) => i.generation === deployment.generation && i.variantName === name && i.state !== "Draining").length;
      return [name, { ...state, desiredInstanceCount: Math.min(state.desiredInstanceCount, live) }];
    }),
  );
  const config = { ...deployment.config, ProductionVariants: deployment.config.ProductionVariants.map((v) => ({ ...v, ManagedInstanceScaling: undefined })) };
  return { ...deployment, variants, config };
}
