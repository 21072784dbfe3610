import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointDeployment, EndpointRecord, InstanceRecord } from "../../domain/resources.js";

/** One endpoint and everything under it, as read at one moment: the input of every decision here. */
export interface EndpointWorld {
  endpointName: string;
  endpoint?: EndpointRecord;
  components: ComponentRecord[];
  instances: InstanceRecord[];
  copies: CopyRecord[];
  statuses: Map<string, CopyStatusRecord>;
  now: number;
}

export function activeDeployments(world: EndpointWorld): EndpointDeployment[] {
  const endpoint = world.endpoint;
  if (!endpoint || endpoint.status === "Deleting") return [];
  return endpoint.pending ? [endpoint.current, endpoint.pending] : [endpoint.current];
}

export function hostsModels(deployment: EndpointDeployment): boolean {
  return deployment.config.ProductionVariants.some((v) => v.ModelName !== undefined);
}

export function isReadyCopy(world: EndpointWorld, copy: CopyRecord): boolean {
  return world.statuses.get(copy.id)?.phase === "Ready";
}

export function componentKeyOf(copy: CopyRecord): string {
  return copy.owner.type === "component" ? copy.owner.name : variantOwnerKey(copy.owner.variant, copy.owner.generation);
}

/** Copies of a single-model variant are named after the variant and the configuration generation they run. */
export function variantOwnerKey(variant: string, generation: number): string {
  return `${variant}-g${generation}`;
}
