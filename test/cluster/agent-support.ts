import { spawn } from "node:child_process";
import { EtcdStore } from "../../src/store/etcd-store.js";
import { agentKey } from "../../src/auth/agent-key.js";
import type { ClusterSecretsRecord } from "../../src/domain/cluster.js";
import type { CopyStatusRecord } from "../../src/domain/resources.js";
import { keys } from "../../src/state/keys.js";
import { put, unchanged, type BerthRecords, type BerthStore } from "../../src/state/records.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { startEtcd } from "../support/etcd.js";
import { probeImages } from "../support/probe.js";
import { eventually } from "../support/wait.js";
import { messageOf, type AgentProcess } from "../support/agent-process.js";

export interface TestCluster {
  etcd: Awaited<ReturnType<typeof startEtcd>>;
  server: BerthProcess;
  /** Every server replica; `server` is the first. */
  servers: BerthProcess[];
  /** The same store the server uses, for what the pool provider would write and for reading what users cannot see. */
  store: BerthStore;
  secrets: ClusterSecretsRecord;
  stop(): Promise<void>;
}

/** One etcd member and `berth server --store etcd://…` processes (one unless asked for more). */
export async function startCluster(options: { servers?: number; config?: Record<string, unknown> } = {}): Promise<TestCluster> {
  const etcd = await startEtcd({ members: 1 });
  const servers: BerthProcess[] = [];
  let store: BerthStore | undefined;
  try {
    for (let i = 0; i < (options.servers ?? 1); i++)
      servers.push(await startBerth({ args: ["--store", etcd.storeUrl], config: { images: probeImages, ...options.config } }));
    const opened = (store = await EtcdStore.open<BerthRecords>({ endpoints: etcd.endpoints }));
    const secrets = await eventually(async () => (await opened.get("cluster-secrets", keys.clusterSecrets()))?.value, { what: "the cluster's secrets" });
    return {
      etcd,
      server: servers[0]!,
      servers,
      store: opened,
      secrets,
      stop: async () => {
        await Promise.all(servers.map((s) => s.kill()));
        await opened.close();
        await etcd.stop();
      },
    };
  } catch (error) {
    await Promise.all(servers.map((s) => s.kill()));
    await store?.close();
    await etcd.stop();
    throw error;
  }
}

/**
 * Gives the endpoint's instance to the agent, as the agent pool provider does when it claims the agent:
 * the instance's host becomes the agent and its devices the agent's.
 */
export async function assignInstance(store: BerthStore, endpoint: string, agentId: string): Promise<void> {
  const agent = await eventually(async () => (await store.get("agent", keys.agent(agentId)))?.value, { what: `agent ${agentId}'s record` });
  const instance = await eventually(async () => (await store.list("instance", { prefix: keys.children(endpoint) }))[0], {
    what: `an instance of endpoint ${endpoint}`,
  });
  if (instance.value.host === agentId) return;
  await store.commit([put("instance", instance.key, { ...instance.value, host: agentId, provider: "agents", devices: agent.devices }, unchanged(instance))]);
}

/** The statuses of the endpoint's copies, as the agent reported them. */
export async function statusesOf(store: BerthStore, endpoint: string): Promise<CopyStatusRecord[]> {
  return (await store.list("copy-status", { prefix: keys.children(endpoint) })).map((e) => e.value);
}

/** The host:port the agent's proxy is advertised on, from its log. */
export async function proxyAddress(agent: AgentProcess): Promise<string> {
  const line = await agent.waitForLog((l) => messageOf(l).startsWith("copy proxy listening"));
  return /advertised as (\S+)$/.exec(messageOf(line))![1]!;
}

export function keyOf(cluster: TestCluster, agentId: string): string {
  return agentKey(cluster.secrets, agentId);
}

/** Calls the agent protocol as an agent would (raw HTTP, bearer secret). */
export async function agentCall(url: string, method: string, path: string, bearer: string | undefined, body?: unknown) {
  const response = await fetch(url + path, {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { message?: string } };
}

/** A process that looks like a copy left by an agent killed with its copies (its marker, no parent to take it down). */
export function leftoverCopy(agentLabel: string): number {
  const child = spawn("sleep", ["600"], {
    env: { PATH: process.env.PATH!, BERTH_AGENT: agentLabel, BERTH_COPY_ID: "ic-left-1" },
    stdio: "ignore",
    detached: true,
  });
  child.unref();
  return child.pid!;
}
