import type { CopyStatusRecord } from "../../domain/resources.js";
import { keys } from "../../state/keys.js";
import { check, del, put, unchanged, type BerthStore, type Op } from "../../state/records.js";
import { AgentApiError } from "./agent-api-error.js";

const phases = new Set(["Downloading", "Starting", "Ready", "Failed", "Stopping"]);

/**
 * The store ops for an agent's status writes, each conditioned on the copy and its instance being
 * unchanged since checked, so a copy taken from the agent meanwhile is never written for it.
 * Refuses anything but put/delete of `copy-status` for copies on the agent's own instances, and a put of
 * the agent's own `host-artifacts` entry (what its cache holds; placement prefers holders).
 */
export async function statusWriteOps(store: BerthStore, agentId: string, body: unknown): Promise<Op[]> {
  const ops = (body as { ops?: unknown } | null)?.ops;
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > 100)
    throw AgentApiError.badRequest('the body must be {"ops": [...]} with 1 to 100 copy-status puts or deletes');
  const result: Op[] = [];
  for (const [i, raw] of ops.entries()) {
    const op = raw as { type?: unknown; kind?: unknown; key?: unknown; value?: unknown; expect?: unknown; lease?: unknown };
    if (op === null || typeof op !== "object") throw AgentApiError.badRequest(`ops[${i}] must be an object`);
    if (op.kind === "host-artifacts") {
      result.push(hostArtifactsOp(op, agentId, i));
      continue;
    }
    if (op.kind !== "copy-status")
      throw AgentApiError.forbidden(
        `ops[${i}] writes '${String(op.kind)}': an agent may only write copy-status entries of its own copies and its own host-artifacts entry`,
      );
    if (op.type !== "put" && op.type !== "delete") throw AgentApiError.badRequest(`ops[${i}].type must be "put" or "delete", got '${String(op.type)}'`);
    if (op.expect !== undefined || op.lease !== undefined) throw AgentApiError.badRequest(`ops[${i}] may not carry an expectation or a lease`);
    if (typeof op.key !== "string" || !/^[^/]+\/[^/]+$/.test(op.key)) throw AgentApiError.badRequest(`ops[${i}].key must be "<endpoint>/<copy id>"`);
    const copy = await store.get("copy", op.key);
    const instance = copy ? await store.get("instance", keys.child(copy.value.endpointName, copy.value.instanceId)) : undefined;
    const ours = instance?.value.host === agentId;
    if (op.type === "delete") {
      // The status of a copy that no longer exists is nobody's: its last agent clears it.
      if (copy && !ours) throw AgentApiError.forbidden(`copy ${op.key} does not run on agent ${agentId}; an agent may only write the status of its own copies`);
      result.push(del("copy-status", op.key));
      if (copy) result.push(check("copy", copy.key, unchanged(copy)));
      if (instance) result.push(check("instance", instance.key, unchanged(instance)));
      continue;
    }
    if (!copy || !instance || !ours)
      throw AgentApiError.forbidden(`copy ${op.key} does not run on agent ${agentId}; an agent may only write the status of its own copies`);
    const value = checkStatus(op.value, copy.value.id, i);
    result.push(put("copy-status", op.key, value), check("copy", copy.key, unchanged(copy)), check("instance", instance.key, unchanged(instance)));
  }
  return result;
}

const maxHeldUrls = 1000;
const maxUrlLength = 4096;

function hostArtifactsOp(op: { type?: unknown; key?: unknown; value?: unknown; expect?: unknown; lease?: unknown }, agentId: string, i: number): Op {
  if (op.type !== "put") throw AgentApiError.badRequest(`ops[${i}].type must be "put" for host-artifacts`);
  if (op.expect !== undefined || op.lease !== undefined) throw AgentApiError.badRequest(`ops[${i}] may not carry an expectation or a lease`);
  if (op.key !== agentId) throw AgentApiError.forbidden(`ops[${i}] writes host-artifacts of '${String(op.key)}': an agent may only write its own (${agentId})`);
  const value = op.value as { host?: unknown; urls?: unknown; memoryUrls?: unknown; parked?: unknown; parkedDevices?: unknown } | null;
  if (value === null || typeof value !== "object" || value.host !== agentId) throw AgentApiError.badRequest(`ops[${i}].value.host must be ${agentId}`);
  const urls = urlList(value.urls, `ops[${i}].value.urls`);
  const parkedKeys = value.parked === undefined ? undefined : urlList(value.parked, `ops[${i}].value.parked`);
  if (parkedKeys === undefined && value.parkedDevices !== undefined)
    throw AgentApiError.badRequest(`ops[${i}].value.parkedDevices needs ops[${i}].value.parked, the keys it is listed by`);
  const parked =
    parkedKeys === undefined
      ? {}
      : {
          parked: parkedKeys,
          ...(value.parkedDevices === undefined ? {} : { parkedDevices: deviceLists(value.parkedDevices, parkedKeys, `ops[${i}].value.parkedDevices`) }),
        };
  if (value.memoryUrls === undefined) return put("host-artifacts", agentId, { host: agentId, urls, ...parked });
  const memoryUrls = urlList(value.memoryUrls, `ops[${i}].value.memoryUrls`);
  const held = new Set(urls);
  if (!memoryUrls.every((u) => held.has(u))) throw AgentApiError.badRequest(`ops[${i}].value.memoryUrls must list only URLs that urls lists`);
  return put("host-artifacts", agentId, { host: agentId, urls, memoryUrls, ...parked });
}

const maxParkedPerKey = 64;
const maxDevicesPerEngine = 64;

/** Per parked key, the device indices of each engine parked under it: only keys `parked` lists, each a short list of small integers. */
function deviceLists(raw: unknown, keys: readonly string[], what: string): Record<string, number[][]> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw AgentApiError.badRequest(`${what} must be an object keyed by the keys in parked`);
  const known = new Set(keys);
  const out: [string, number[][]][] = [];
  for (const [key, lists] of Object.entries(raw)) {
    if (!known.has(key)) throw AgentApiError.badRequest(`${what} names '${key.slice(0, 200)}', which parked does not list`);
    const valid =
      Array.isArray(lists) &&
      lists.length <= maxParkedPerKey &&
      lists.every(
        (devices) =>
          Array.isArray(devices) && devices.length <= maxDevicesPerEngine && devices.every((d) => Number.isSafeInteger(d) && d >= 0 && d < maxDevicesPerEngine),
      );
    if (!valid)
      throw AgentApiError.badRequest(
        `${what}['${key.slice(0, 200)}'] must be a list of at most ${maxParkedPerKey} lists of device indices (integers 0–${maxDevicesPerEngine - 1}, at most ${maxDevicesPerEngine} each)`,
      );
    out.push([key, lists as number[][]]);
  }
  // fromEntries defines each key as the record's own property, whatever its name.
  return Object.fromEntries(out);
}

function urlList(raw: unknown, what: string): string[] {
  if (!Array.isArray(raw) || raw.length > maxHeldUrls || !raw.every((u) => typeof u === "string" && u.length > 0 && u.length <= maxUrlLength))
    throw AgentApiError.badRequest(`${what} must be a list of at most ${maxHeldUrls} URLs of at most ${maxUrlLength} characters`);
  return raw as string[];
}

function checkStatus(raw: unknown, copyId: string, i: number): CopyStatusRecord {
  const value = raw as Partial<CopyStatusRecord> | null;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw AgentApiError.badRequest(`ops[${i}].value must be a copy status object`);
  if (value.copyId !== copyId) throw AgentApiError.badRequest(`ops[${i}].value.copyId must be ${copyId}, the copy its key names`);
  if (typeof value.phase !== "string" || !phases.has(value.phase))
    throw AgentApiError.badRequest(`ops[${i}].value.phase must be one of ${[...phases].join(", ")}`);
  if (typeof value.restarts !== "number" || typeof value.since !== "number") throw AgentApiError.badRequest(`ops[${i}].value needs numeric restarts and since`);
  if (value.port !== undefined && (!Number.isInteger(value.port) || value.port < 1 || value.port > 65535))
    throw AgentApiError.badRequest(`ops[${i}].value.port must be a port number`);
  if (value.address !== undefined && typeof value.address !== "string") throw AgentApiError.badRequest(`ops[${i}].value.address must be a string`);
  return value as CopyStatusRecord;
}
