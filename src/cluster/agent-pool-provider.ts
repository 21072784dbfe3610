import type { InstanceCatalog } from "../domain/catalog/instance-catalog.js";
import type { AgentRecord } from "../domain/cluster.js";
import { waitingForInstanceMessage } from "../domain/instance-pool.js";
import { InstanceUnavailableError, type InstanceProvider, type LaunchedInstance, type LaunchRequest } from "../instances/provider.js";
import { keys } from "../state/keys.js";
import { check, put, StoreConflictError, unchanged, type BerthStore, type Entry } from "../state/records.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

export interface AgentPoolProviderOptions {
  /** In cluster mode, the leader-fenced store the controllers commit through. */
  store: BerthStore;
  /** Not needed to claim: an instance takes its capacity from the catalog already, and its devices from the agent. */
  catalog?: InstanceCatalog;
  clock: Clock;
  log: Logger;
}

/**
 * Tries of a claim or release that met another write before giving the conflict to the caller. Every
 * conflict means another claim won, so launches racing for one pool all finish within as many rounds.
 */
const conflictTries = 20;
/** A host whose lease ran out while it held an instance is picked last for this long. */
const failureMemoryMs = 10 * 60_000;

/**
 * Instances from the hosts that registered an agent (cluster mode). Launching claims a free live agent of
 * the instance's type with a compare-and-set on its `agent` record; terminating gives the claim back.
 */
export class AgentPoolProvider implements InstanceProvider {
  readonly name = "agents";
  readonly #options: AgentPoolProviderOptions;
  /** When each host last lost its lease while holding an instance. */
  readonly #failures = new Map<string, number[]>();

  constructor(options: AgentPoolProviderOptions) {
    this.#options = options;
  }

  async launch(request: LaunchRequest): Promise<LaunchedInstance> {
    const { store, clock, log } = this.#options;
    const instanceType = request.instanceType.instanceType;
    for (let attempt = 1; ; attempt++) {
      const { agents, live } = await this.#read();
      const held = agents.find((a) => a.value.claim?.instanceId === request.instanceId);
      if (held && live.has(held.key)) return launched(held.value);
      try {
        // A host that died between the claim and the instance's launch is given back first.
        if (held) await this.#release(held, "its host's lease is gone");
        const ofType = agents.filter((a) => a.value.instanceType === instanceType && live.has(a.key));
        const free = ofType
          .filter((a) => !a.value.claim)
          .sort((a, b) => this.#recentFailures(a.key) - this.#recentFailures(b.key) || a.key.localeCompare(b.key));
        // After a lost race, spread the retries over the free hosts instead of all taking the same first one again.
        const chosen = free[(attempt - 1) % Math.max(1, free.length)];
        if (!chosen) throw new InstanceUnavailableError(waitingForInstanceMessage(instanceType, 0, ofType.length));
        const claim = { instanceId: request.instanceId, endpointName: request.endpointName, variantName: request.variantName, since: clock.now() };
        const agent: AgentRecord = { ...chosen.value, claim };
        await store.commit([put("agent", chosen.key, agent, unchanged(chosen)), check("agent-lease", keys.agentLease(chosen.key), { present: true })]);
        log.info(
          { instance: request.instanceId, agent: chosen.key },
          `instance ${request.instanceId} (${instanceType}) claimed host ${chosen.key} (${free.length - 1} of ${ofType.length} left free)`,
        );
        return launched(agent);
      } catch (error) {
        // Another replica or pass claimed or changed the host first: read again and pick another.
        if (!StoreConflictError.is(error) || attempt >= conflictTries) throw error;
      }
    }
  }

  async terminate(instanceId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { agents, live } = await this.#read();
      const held = agents.find((a) => a.value.claim?.instanceId === instanceId);
      if (!held) return;
      if (!live.has(held.key)) this.#noteFailure(held.key);
      try {
        await this.#release(held, live.has(held.key) ? "the instance was released" : "its host's lease is gone");
        return;
      } catch (error) {
        if (!StoreConflictError.is(error) || attempt >= conflictTries) throw error;
      }
    }
  }

  async releaseOrphans(instanceIds: ReadonlySet<string>): Promise<void> {
    const { agents } = await this.#read();
    for (const agent of agents) {
      const claim = agent.value.claim;
      if (!claim || instanceIds.has(claim.instanceId)) continue;
      try {
        await this.#release(agent, `no instance ${claim.instanceId} exists any more`);
      } catch (error) {
        // Changed meanwhile: whoever changed it owns the claim now.
        if (!StoreConflictError.is(error)) throw error;
      }
    }
  }

  async #read(): Promise<{ agents: Entry<AgentRecord>[]; live: Set<string> }> {
    const [agents, leases] = await Promise.all([this.#options.store.list("agent"), this.#options.store.list("agent-lease")]);
    return { agents, live: new Set(leases.map((l) => l.key)) };
  }

  async #release(entry: Entry<AgentRecord>, why: string): Promise<void> {
    const { claim, ...free } = entry.value;
    await this.#options.store.commit([put("agent", entry.key, free, unchanged(entry))]);
    this.#options.log.info({ agent: entry.key, instance: claim?.instanceId }, `host ${entry.key} is free again (${why})`);
  }

  #noteFailure(agentId: string): void {
    const now = this.#options.clock.now();
    this.#failures.set(agentId, [...(this.#failures.get(agentId) ?? []).filter((t) => now - t < failureMemoryMs), now]);
  }

  #recentFailures(agentId: string): number {
    const now = this.#options.clock.now();
    return (this.#failures.get(agentId) ?? []).filter((t) => now - t < failureMemoryMs).length;
  }
}

function launched(agent: AgentRecord): LaunchedInstance {
  return { host: agent.id, devices: agent.devices };
}
