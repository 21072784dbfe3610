import type { AgentRecord } from "../../domain/cluster.js";
import type { InstanceCatalog } from "../../domain/catalog/instance-catalog.js";
import type { DeviceInfo } from "../../domain/resources.js";
import { keys } from "../../state/keys.js";
import { absent, put, putLeased, StoreConflictError, unchanged, type BerthStore } from "../../state/records.js";
import { AgentApiError } from "./agent-api-error.js";
import type { RegisterRequest } from "./protocol.js";

export const agentIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Checks a registration body; every refusal says which field and what it must be. */
export function parseRegistration(body: unknown, catalog: InstanceCatalog): RegisterRequest {
  const raw = body as Partial<RegisterRequest> | null;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw AgentApiError.badRequest("the body must be a JSON object {agentId, instanceType, advertise, devices}");
  if (typeof raw.agentId !== "string" || !agentIdPattern.test(raw.agentId))
    throw AgentApiError.badRequest("agentId must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
  if (typeof raw.instanceType !== "string" || !catalog.get(raw.instanceType))
    throw AgentApiError.badRequest(
      `instanceType '${String(raw.instanceType)}' is not a known instance type; known types include ${catalog.suggest(String(raw.instanceType)).slice(0, 6).join(", ")}`,
    );
  if (typeof raw.advertise !== "string" || !validAdvertise(raw.advertise))
    throw AgentApiError.badRequest(`advertise must be host:port where routers reach the agent's proxy, got '${String(raw.advertise)}'`);
  if (!Array.isArray(raw.devices) || raw.devices.length > 64 || !raw.devices.every(validDevice))
    throw AgentApiError.badRequest("devices must be a list of at most 64 {index, source: nvidia|modelled, name, memoryMiB}");
  if (raw.installId !== undefined && (typeof raw.installId !== "string" || !/^[A-Za-z0-9_-]{8,64}$/.test(raw.installId)))
    throw AgentApiError.badRequest("installId must be 8 to 64 letters, digits, '_' or '-' (the id the agent keeps in its data dir)");
  const request: RegisterRequest = { agentId: raw.agentId, instanceType: raw.instanceType, advertise: raw.advertise, devices: raw.devices };
  if (raw.installId !== undefined) request.installId = raw.installId;
  return request;
}

/**
 * Writes the agent (keeping an existing claim: the same host coming back) and its lease record with a
 * fresh lease. A previous lease of the same agent is left to lapse; the lease record moves to the new one.
 * A live lease held by another installation of the agent (another host given the same name) is not taken
 * over: that would stop the other host's copies, and each would take the name from the other for ever.
 */
export async function registerAgent(store: BerthStore, request: RegisterRequest, ttlSeconds: number, now: number): Promise<string> {
  const leases = store.leases;
  if (!leases) throw new AgentApiError(501, "NotClustered", "this server's store holds no leases; agents join servers started with --store etcd://…");
  const live = await store.get("agent-lease", keys.agentLease(request.agentId));
  const existing = await store.get("agent", keys.agent(request.agentId));
  if (live?.value.installId !== undefined && request.installId !== undefined && live.value.installId !== request.installId)
    throw new AgentApiError(
      409,
      "AgentIdInUse",
      `agent id ${request.agentId} is held by another live agent (proxy ${existing?.value.advertise ?? "unknown"}) with its own data dir; give each host its own --name. This agent registers once that lease has lapsed (${live.value.ttlSeconds} s after the other agent stops)`,
    );
  const leaseId = await leases.grant(ttlSeconds);
  const record: AgentRecord = {
    id: request.agentId,
    instanceType: request.instanceType,
    advertise: request.advertise,
    devices: request.devices,
    registeredAt: now,
  };
  if (existing?.value.claim) record.claim = existing.value.claim;
  try {
    await store.commit([
      put("agent", keys.agent(request.agentId), record),
      putLeased(
        "agent-lease",
        keys.agentLease(request.agentId),
        { agentId: request.agentId, leaseId, ttlSeconds, ...(request.installId === undefined ? {} : { installId: request.installId }) },
        leaseId,
        live ? unchanged(live) : absent,
      ),
    ]);
  } catch (error) {
    if (!StoreConflictError.is(error)) throw error;
    throw new AgentApiError(409, "AgentIdInUse", `agent id ${request.agentId} was registered by another request meanwhile; try again`);
  }
  return leaseId;
}

function validAdvertise(value: string): boolean {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

function validDevice(value: unknown): value is DeviceInfo {
  const d = value as Partial<DeviceInfo> | null;
  return (
    d !== null &&
    typeof d === "object" &&
    Number.isInteger(d.index) &&
    (d.source === "nvidia" || d.source === "modelled") &&
    typeof d.name === "string" &&
    typeof d.memoryMiB === "number" &&
    (d.uuid === undefined || typeof d.uuid === "string")
  );
}
