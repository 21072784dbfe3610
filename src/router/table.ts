import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointRecord, InstanceRecord } from "../domain/resources.js";
import { prefixRoutingOf, type PrefixRouting } from "./prefix/prefix-pick.js";

export type RoutingStrategy = "LEAST_OUTSTANDING_REQUESTS" | "RANDOM" | "PREFIX_AWARE";

/** A copy the router may send requests to. */
export interface RouteCopy {
  id: string;
  origin: string;
  instanceId: string;
  /** How often the copy's process was restarted: a session opened before a restart lost its state with it. */
  restarts?: number;
  /**
   * When the agent running the copy first started it (its status's firstStartAt). An agent that starts
   * again (the server or `berth agent` killed and restarted) starts the copy's process anew with restarts
   * counted from 0, so the two together name one process.
   */
  startedAt?: number;
  /** Added on the hop to the copy: an agent's proxy needs the copy's id and the agent's key. */
  headers?: Record<string, string>;
}

export interface ComponentRoute {
  name: string;
  endpointName: string;
  variantName: string;
  strategy: RoutingStrategy;
  prefix?: PrefixRouting;
  copies: RouteCopy[];
  desiredCopies: number;
  status: string;
  /** A scalable target lets this component scale from zero, so requests at zero copies are held while it wakes. */
  wakeable: boolean;
  /** For an adapter component: the adapter's name, sent to the base's copies in CustomAttributes. */
  adapter?: string;
  /** The component whose copies serve this one: the base for an adapter, else itself. */
  servedBy: string;
  /** Copies being stopped that still run: only the stateful sessions they hold reach them, until they stop. */
  draining?: RouteCopy[];
}

export interface VariantRoute {
  name: string;
  weight: number;
  strategy: RoutingStrategy;
  prefix?: PrefixRouting;
  /** Copies of the variant's model (single-model endpoints only). */
  copies: RouteCopy[];
  /** Copies that still run but take only the stateful sessions they hold (single-model endpoints only). */
  draining?: RouteCopy[];
}

export interface EndpointRoute {
  name: string;
  status: string;
  hostsComponents: boolean;
  variants: VariantRoute[];
  components: Map<string, ComponentRoute>;
}

/** The router's whole view of the world, rebuilt and pushed on change; never read from the store per request. */
export interface RoutingTable {
  endpoints: Map<string, EndpointRoute>;
  builtAt: number;
  /** The store revision this table reflects (every change up to it), where the publisher knows it. */
  revision?: number;
  /** Origins of Ready copies left out because their host's lease is gone: requests in flight there will get no answer. */
  lostOrigins?: Set<string>;
}

export interface TableInputs {
  /** The store revision the inputs were read at (or after). */
  revision?: number;
  endpoints: EndpointRecord[];
  components: ComponentRecord[];
  instances: InstanceRecord[];
  copies: CopyRecord[];
  statuses: CopyStatusRecord[];
  /** Components with a scalable target whose maximum allows at least one copy (lower-cased names). */
  wakeable: Set<string>;
  /**
   * Hosts whose agent holds a live lease (cluster mode): copies on any other host are left out, so
   * requests stop going to a host the moment its lease is gone. Undefined: every host is live (one machine).
   */
  liveHosts?: ReadonlySet<string>;
  now: number;
  /**
   * Cluster mode: "Bearer <agent key>" per agent that holds a live lease. Copies on an agent's instance
   * (provider "agents") are routed through its proxy with that key, and left out while it has no lease.
   */
  agentAuthorization?: Map<string, string>;
}

/** Instances served by registered agents (cluster mode). */
export const agentProvider = "agents";

/** Default routing when a variant names none; SageMaker's default is not documented, RANDOM is its original behaviour. */
export const defaultRoutingStrategy: RoutingStrategy = "RANDOM";

export function buildRoutingTable(inputs: TableInputs): RoutingTable {
  const statusOf = new Map(inputs.statuses.map((s) => [s.copyId, s]));
  const instanceOf = new Map(inputs.instances.map((i) => [i.id, i]));
  const lostOrigins = new Set<string>();
  const routable = (copy: CopyRecord): RouteCopy | undefined => (copy.state === "Active" ? reachable(copy, "Ready") : undefined);
  // A stopped copy runs on (Ready) while it drains its stateful sessions, then says "Stopping" while its requests end.
  const stillRunning = (copy: CopyRecord): RouteCopy | undefined => reachable(copy, "Ready") ?? reachable(copy, "Stopping");
  const reachable = (copy: CopyRecord, phase: "Ready" | "Stopping"): RouteCopy | undefined => {
    const status = statusOf.get(copy.id);
    if (status?.phase !== phase || !status.port) return undefined;
    const instance = instanceOf.get(copy.instanceId);
    if (instance === undefined) return undefined;
    const origin = `http://${status.address ?? "127.0.0.1"}:${status.port}`;
    if (inputs.liveHosts !== undefined && !inputs.liveHosts.has(instance.host)) {
      lostOrigins.add(origin);
      return undefined;
    }
    const route: RouteCopy = { id: copy.id, origin, instanceId: copy.instanceId, restarts: status.restarts, startedAt: status.firstStartAt };
    if (instance.provider !== agentProvider) return route;
    const authorization = inputs.agentAuthorization?.get(instance.host);
    if (authorization === undefined) return undefined;
    route.headers = { authorization, "x-berth-copy": copy.id };
    return route;
  };
  // Group copies once, so a rebuild stays linear in copies however many components there are.
  const byEndpoint = groupBy(inputs.copies, (c) => c.endpointName.toLowerCase());
  const byComponent = groupBy(
    inputs.copies.filter((c) => c.owner.type === "component"),
    (c) => (c.owner as { name: string }).name.toLowerCase(),
  );
  const componentByName = new Map(inputs.components.map((c) => [c.name.toLowerCase(), c]));
  const endpoints = new Map<string, EndpointRoute>();
  for (const endpoint of inputs.endpoints) {
    const key = endpoint.name.toLowerCase();
    const deployment = endpoint.current;
    const hostsComponents = !deployment.config.ProductionVariants.some((v) => v.ModelName !== undefined);
    const generations = new Set([endpoint.current.generation, endpoint.pending?.generation]);
    const endpointCopies = byEndpoint.get(key) ?? [];
    const variants: VariantRoute[] = deployment.config.ProductionVariants.map((v) => {
      const own = hostsComponents ? [] : endpointCopies.filter((c) => c.owner.type === "variant" && c.owner.variant === v.VariantName);
      const current = (c: CopyRecord) => c.owner.type === "variant" && generations.has(c.owner.generation);
      // Stopped copies and those of a replaced configuration take only the stateful sessions they hold.
      const draining = own
        .filter((c) => c.state === "Draining" || !current(c))
        .map(stillRunning)
        .filter((c): c is RouteCopy => c !== undefined);
      return {
        name: v.VariantName,
        weight: deployment.variants[v.VariantName]?.desiredWeight ?? 1,
        strategy: (v.RoutingConfig?.RoutingStrategy as RoutingStrategy | undefined) ?? defaultRoutingStrategy,
        prefix: prefixRoutingOf(v.RoutingConfig, deployment.prefixBlocks),
        copies: own
          .filter(current)
          .map(routable)
          .filter((c): c is RouteCopy => c !== undefined),
        ...(draining.length > 0 ? { draining } : {}),
      };
    });
    endpoints.set(key, { name: endpoint.name, status: endpoint.status, hostsComponents, variants, components: new Map() });
  }
  for (const component of inputs.components) {
    const endpoint = endpoints.get(component.endpointName.toLowerCase());
    if (!endpoint) continue;
    const variant = endpoint.variants.find((v) => v.name === component.variantName);
    const base = component.resolved.baseComponentName;
    // An adapter is served by the copies of its base that have loaded it.
    const ownerName = (base ?? component.name).toLowerCase();
    const owned = byComponent.get(ownerName) ?? [];
    const serving = owned.filter((c) => !base || statusOf.get(c.id)?.adapters?.[component.name] === "ready");
    const copies = serving.map(routable).filter((c): c is RouteCopy => c !== undefined);
    const draining = serving
      .filter((c) => c.state === "Draining")
      .map(stillRunning)
      .filter((c): c is RouteCopy => c !== undefined);
    const baseRecord = base ? componentByName.get(ownerName) : undefined;
    endpoint.components.set(component.name.toLowerCase(), {
      name: component.name,
      endpointName: component.endpointName,
      variantName: component.variantName,
      strategy: variant?.strategy ?? defaultRoutingStrategy,
      prefix: variant?.prefix,
      copies,
      desiredCopies: component.status === "Deleting" ? 0 : base ? (baseRecord?.desiredCopyCount ?? 0) : component.desiredCopyCount,
      status: component.status,
      wakeable: inputs.wakeable.has(ownerName),
      adapter: base ? component.name : undefined,
      ...(draining.length > 0 ? { draining } : {}),
      servedBy: baseRecord?.name ?? component.name,
    });
  }
  return { endpoints, builtAt: inputs.now, revision: inputs.revision ?? 0, lostOrigins: lostOrigins.size > 0 ? lostOrigins : undefined };
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
