import type { CopyPlan } from "./plan-copies.js";
import { hostsModels, type EndpointWorld } from "./world.js";

/**
 * A draining instance of the running configuration whose copies no other instance of its variant has room
 * for, while nothing under way can make room (no instance launching, no copy placed, stopping or being
 * replaced): it keeps serving them, and only a change from outside (more instances, fewer copies) lets it go.
 */
export interface StuckDrain {
  instance: string;
  variant: string;
  /** The inference components whose copies cannot move, by name. */
  components: string[];
}

/**
 * What the drains of an endpoint's variants come to this pass. `undecided`: a variant with draining
 * instances where something under way may still make room, so whether they are stuck is not known yet.
 */
export interface Drains {
  stuck: StuckDrain[];
  undecided: boolean;
}

/** The draining instances whose copies can never move as things stand; `copies` is what this pass places and stops. */
export function stuckDrains(world: EndpointWorld, copies: CopyPlan): Drains {
  const out: Drains = { stuck: [], undecided: false };
  const endpoint = world.endpoint;
  if (!endpoint || endpoint.pending || (endpoint.status !== "InService" && endpoint.status !== "Updating") || hostsModels(endpoint.current)) return out;
  const { generation } = endpoint.current;
  const replaced = new Set(world.copies.filter((c) => c.state === "Active" && c.replaces !== undefined).map((c) => c.replaces));
  const stopping = new Set(copies.drain.map((d) => d.id));
  for (const { VariantName: variant } of endpoint.current.config.ProductionVariants) {
    const instances = world.instances.filter((i) => i.variantName === variant);
    const draining = new Set(instances.filter((i) => i.state === "Draining" && i.generation === generation).map((i) => i.id));
    if (draining.size === 0) continue;
    const ids = new Set(instances.map((i) => i.id));
    const onVariant = world.copies.filter((c) => ids.has(c.instanceId));
    const underWay =
      instances.some((i) => i.state === "Pending") ||
      copies.add.some((c) => ids.has(c.instanceId)) ||
      onVariant.some((c) => stopping.has(c.id) || (!draining.has(c.instanceId) && (c.state === "Draining" || replaced.has(c.id))));
    if (underWay) {
      out.undecided = true;
      continue;
    }
    for (const instance of draining) {
      const held = onVariant.flatMap((c) =>
        c.instanceId === instance && c.state === "Active" && c.owner.type === "component" && !replaced.has(c.id) ? [c.owner.name] : [],
      );
      const components = [...new Set(held)].sort();
      if (components.length > 0) out.stuck.push({ instance, variant, components });
    }
  }
  return out;
}

const stuckReasonStart = "Cannot release instance";

/**
 * The endpoint's FailureReason while instances cannot drain: which, why, and what lets them go. The
 * endpoint stays InService (or returns to it), so UpdateEndpointWeightsAndCapacities can change the count again.
 */
export function stuckDrainReason(world: EndpointWorld, stuck: readonly StuckDrain[]): string | undefined {
  if (stuck.length === 0) return undefined;
  const variants = [...new Set(stuck.map((s) => s.variant))];
  const text = variants
    .map((variant) => {
      const ours = stuck.filter((s) => s.variant === variant);
      const instances = ours.map((s) => s.instance);
      const components = [...new Set(ours.flatMap((s) => s.components))].sort();
      const keep = (world.endpoint?.current.variants[variant]?.desiredInstanceCount ?? 0) + instances.length;
      return (
        `${stuckReasonStart}${instances.length === 1 ? "" : "s"} ${instances.join(", ")} of variant ${variant}: no other instance has room for ` +
        `${instances.length === 1 ? "its" : "their"} copies of ${components.join(", ")}, so ${instances.length === 1 ? "it keeps" : "they keep"} serving them. ` +
        `Raise the variant's DesiredInstanceCount to ${keep} to keep ${instances.length === 1 ? "it" : "them"}, or scale those inference components down or delete them.`
      );
    })
    .join(" ");
  return text.slice(0, 1024);
}

export function isStuckDrainReason(text: string | undefined): boolean {
  return text !== undefined && text.startsWith(stuckReasonStart);
}
