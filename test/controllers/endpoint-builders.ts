import type { Resources } from "../../src/domain/compute.js";
import type { ComponentRecord, CopyRecord, CopyStatusRecord, EndpointRecord, InstanceRecord } from "../../src/domain/resources.js";
import { decideEndpoint, type EndpointPlan } from "../../src/controllers/endpoint/decide.js";
import { instanceId } from "../../src/controllers/endpoint/plan-instances.js";
import type { EndpointWorld } from "../../src/controllers/endpoint/world.js";
import { component } from "../state/builders.js";

/** Fixtures for the endpoint controller's pure decision: one endpoint "ep" hosting components on variant AllTraffic. */

export const instanceCapacity: Resources = { accelerators: 1, cpuMillis: 4000, memoryMiB: 16_384 };
export const now = 1_000_000;

export function endpoint(instances: number, overrides: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    name: "ep",
    arn: "arn:aws:sagemaker:us-east-1:000000000000:endpoint/ep",
    createdAt: 1,
    lastModifiedAt: 1,
    status: "InService",
    current: {
      generation: 1,
      configName: "cfg",
      config: { ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.xlarge", InitialInstanceCount: instances }] },
      variants: { AllTraffic: { desiredInstanceCount: instances, desiredWeight: 1 } },
      startedAt: 1,
    },
    nextGeneration: 2,
    tags: [],
    ...overrides,
  };
}

/** Instance `ordinal` of generation 1, on `host` (Pending when host is ""). */
export function instance(ordinal: number, host: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id: instanceId("ep", "AllTraffic", 1, ordinal),
    endpointName: "ep",
    variantName: "AllTraffic",
    generation: 1,
    instanceType: "ml.g5.xlarge",
    provider: host ? "agents" : "",
    host,
    capacity: instanceCapacity,
    devices: host ? [{ index: 0, source: "modelled", name: "A10G", memoryMiB: 24_576 }] : [],
    state: host ? "InService" : "Pending",
    createdAt: 1,
    ...overrides,
  };
}

export function inService(name: string, copies: number): ComponentRecord {
  return { ...component(name, "ep"), status: "InService", desiredCopyCount: copies, nextCopyOrdinal: copies + 1 };
}

export function copyOf(c: ComponentRecord, ordinal: number, on: InstanceRecord): CopyRecord {
  return {
    id: `${c.name}-${ordinal}`,
    owner: { type: "component", name: c.name },
    endpointName: "ep",
    variantName: "AllTraffic",
    instanceId: on.id,
    devices: [],
    resources: c.resolved.needs,
    spec: c.resolved,
    state: "Active",
    createdAt: 1,
  };
}

export function ready(copy: CopyRecord, address: string): CopyStatusRecord {
  return { copyId: copy.id, phase: "Ready", address, port: 9000, restarts: 0, since: 1 };
}

export function world(parts: Partial<EndpointWorld>): EndpointWorld {
  return { endpointName: "ep", components: [], instances: [], copies: [], statuses: new Map(), alarms: new Map(), now, ...parts };
}

export function decide(w: EndpointWorld): EndpointPlan {
  return decideEndpoint(
    w,
    () => ({ capacity: instanceCapacity, deviceMemoryMiB: 24_576 }),
    { idleReleaseMs: 60_000, minutes: (m) => m * 60_000 },
    { maxInstancesPerEndpoint: 10, maxCopiesPerComponent: 10 },
  );
}
