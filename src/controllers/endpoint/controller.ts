import type { InstanceCatalog } from "../../domain/catalog/instance-catalog.js";
import { deviceMemoryMiB, instanceCapacity, type CapacityOptions } from "../../domain/compute.js";
import type { ComponentRecord, CopyRecord, InstanceRecord } from "../../domain/resources.js";
import { InstanceUnavailableError, type InstanceProvider } from "../../instances/provider.js";
import type { Quotas } from "../../domain/quotas.js";
import { deleteComponentOps } from "../../state/components.js";
import { loadEndpointState, openSessionsByCopy } from "../../state/endpoint-state.js";
import { keys } from "../../state/keys.js";
import { absent, changes, del, put, StoreConflictError, unchanged, type BerthStore, type ChangeEvent, type Entry, type Op } from "../../state/records.js";
import type { Clock } from "../../util/clock.js";
import type { Logger } from "../../util/logger.js";
import type { TimeScale } from "../../util/time-scale.js";
import type { AlarmState } from "../../alarms/types.js";
import type { Controller } from "../runtime/controllers.js";
import { againAfter, type PassOutcome } from "../runtime/outcome.js";
import type { WorkQueue } from "../runtime/work-queue.js";
import { decideEndpoint, type EndpointPlan } from "./decide.js";
import { defaultSessionDrainMs } from "./plan-session-drain.js";
import { RolloutAlarmView } from "./rollout-alarm-view.js";
import { HostArtifactsView } from "./host-artifacts-view.js";
import type { EndpointWorld } from "./world.js";
import { yieldToLoop } from "../../util/slices.js";

export interface EndpointControllerOptions {
  store: BerthStore;
  provider: InstanceProvider;
  catalog: InstanceCatalog;
  capacity: CapacityOptions;
  clock: Clock;
  log: Logger;
  /** How often a settled endpoint is looked at again even without events. */
  resyncMs?: number;
  scale: TimeScale;
  /** API seconds an instance stays empty before managed instance scaling releases it. */
  idleReleaseSeconds: number;
  quotas: Quotas;
  /** How long a copy being stopped keeps serving its open stateful sessions (real ms; default 60 s). */
  sessionDrainMs?: number;
}

/**
 * Drives each endpoint toward its desired state: instances, copy placement, moves, and the statuses of
 * the endpoint and its inference components. Keyed by endpoint; decisions come from decideEndpoint.
 */
export class EndpointController implements Controller {
  readonly name = "endpoints";
  readonly #options: Required<EndpointControllerOptions>;
  #hostArtifacts = new HostArtifactsView();
  #rolloutAlarms = new RolloutAlarmView();
  /** Endpoints with copies kept running for their stateful sessions: a session ending there is looked at at once. */
  readonly #drainingSessions = new Set<string>();

  constructor(options: EndpointControllerOptions) {
    this.#options = { resyncMs: Math.min(30_000, options.scale.ms(30)), sessionDrainMs: defaultSessionDrainMs, ...options };
  }

  async begin(queue: WorkQueue): Promise<() => void> {
    const { store } = this.#options;
    // A fresh view each time the controller begins (a new leadership term): nothing missed between terms lingers.
    this.#hostArtifacts = new HostArtifactsView();
    this.#rolloutAlarms = new RolloutAlarmView();
    const unwatch = store.watch((events) => this.#onChanges(queue, events));
    this.#hostArtifacts.load(await store.list("host-artifacts"));
    this.#rolloutAlarms.load(await store.list("inference-component"));
    const endpointKeys = new Set<string>();
    for (const e of await store.list("endpoint")) endpointKeys.add(e.key);
    for (const kind of ["instance", "copy", "copy-status"] as const) for (const e of await store.list(kind)) endpointKeys.add(keys.endpointOfChild(e.key));
    for (const e of await store.list("endpoint-component")) endpointKeys.add(keys.endpointOfChild(e.key));
    for (const key of endpointKeys) queue.enqueue(key);
    await this.#options.provider.releaseOrphans?.(new Set((await store.list("instance")).map((e) => e.value.id)));
    return unwatch;
  }

  #onChanges(queue: WorkQueue, events: ChangeEvent[]): void {
    const changed = changes(events);
    // Components first: an alarm changed in the same commit is matched against the rollouts as they are now.
    for (const event of changed) this.#rolloutAlarms.apply(event);
    for (const event of changed) {
      this.#hostArtifacts.apply(event);
      if (event.kind === "endpoint") queue.enqueue(event.key);
      else if (event.kind === "instance" || event.kind === "copy" || event.kind === "copy-status") queue.enqueue(keys.endpointOfChild(event.key));
      else if (event.kind === "inference-component") queue.enqueue(keys.endpoint(event.value.endpointName));
      else if (event.kind === "alarm") for (const endpointKey of this.#rolloutAlarms.endpointsWatching(event.key)) queue.enqueue(endpointKey);
      else if (event.kind === "session" && event.type === "delete" && this.#drainingSessions.has(keys.endpointOfChild(event.key)))
        queue.enqueue(keys.endpointOfChild(event.key));
    }
    const hosts = changed.filter((e) => e.kind === "agent" || e.kind === "agent-lease");
    if (hosts.length > 0) void this.#enqueueForHosts(queue, new Set(hosts.map((e) => e.key)));
  }

  /**
   * A host joined, came back, was freed or lost its lease: endpoints waiting for an instance try to
   * launch again, and endpoints with an instance on a changed host look at its liveness at once.
   */
  async #enqueueForHosts(queue: WorkQueue, hosts: Set<string>): Promise<void> {
    try {
      for (const entry of await this.#options.store.list("instance")) {
        if (entry.value.state === "Pending" || hosts.has(entry.value.host)) queue.enqueue(keys.endpointOfChild(entry.key));
      }
    } catch (error) {
      // The periodic pass of each endpoint catches up.
      this.#options.log.warn({ err: error }, "could not read the instances after a host changed; the next periodic pass looks again");
    }
  }

  /** Hosts whose agent holds a live lease; undefined on a store without leases (one machine), where every host is live. */
  async #liveHosts(): Promise<Set<string> | undefined> {
    const { store } = this.#options;
    if (!store.leases) return undefined;
    return new Set((await store.list("agent-lease")).map((e) => e.value.agentId));
  }

  async reconcile(key: string): Promise<PassOutcome> {
    const { store, clock } = this.#options;
    const state = await loadEndpointState(store, key);
    const components = state.components.map((c) => c.value);
    const now = clock.now();
    // Independent reads: one round trip's wait instead of three on a remote store.
    const [sessions, alarms, liveHosts] = await Promise.all([openSessionsByCopy(store, key, now), this.#alarmStates(components), this.#liveHosts()]);
    const world: EndpointWorld = {
      endpointName: key,
      endpoint: state.endpoint?.value,
      components,
      instances: state.instances.map((i) => i.value),
      copies: state.copies.map((c) => c.value),
      statuses: state.statuses,
      openSessions: sessions.counts,
      sessionsEndAt: sessions.endsAt,
      alarms,
      liveHosts,
      hostArtifacts: this.#hostArtifacts.hosts,
      now,
    };
    const { scale, idleReleaseSeconds } = this.#options;
    // Reading, deciding and writing are each a few milliseconds with hundreds of components: requests are
    // served between them. The commit is conditional, so a change made meanwhile makes the pass run again.
    await yieldToLoop();
    const plan = decideEndpoint(
      world,
      (type) => {
        const spec = this.#options.catalog.get(type);
        return spec ? { capacity: instanceCapacity(spec, this.#options.capacity), deviceMemoryMiB: deviceMemoryMiB(spec) } : undefined;
      },
      { idleReleaseMs: scale.ms(idleReleaseSeconds), minutes: (m) => scale.ms(m * 60) },
      this.#options.quotas,
      this.#options.sessionDrainMs,
    );
    // A conflict throws: the runtime runs the pass again at once, from a fresh read. A settled endpoint's
    // pass changes nothing, and an empty commit would still cost a synchronous fsync.
    await yieldToLoop();
    const ops = this.#operations(key, state, plan, world);
    if (ops.length > 0) await store.commit(ops);
    this.#logPlan(key, plan);
    await this.#releaseLost(plan);
    const launchConflict = await this.#launchPending(key);
    await this.#terminate(key, plan);
    if (launchConflict) return againAfter(0);
    if (plan.sessionDrain.wakeAt === undefined) this.#drainingSessions.delete(key);
    else this.#drainingSessions.add(key);
    const wakeAt = Math.min(
      plan.status.wakeAt ?? Infinity,
      plan.rolloutWakeAt ?? Infinity,
      plan.sessionDrain.wakeAt ?? Infinity,
      world.now + this.#options.resyncMs,
    );
    return againAfter(wakeAt - world.now);
  }

  #operations(key: string, state: Awaited<ReturnType<typeof loadEndpointState>>, plan: EndpointPlan, world: EndpointWorld): Op[] {
    const ops: Op[] = [];
    const instanceEntries = new Map(state.instances.map((e) => [e.value.id, e]));
    const copyEntries = new Map(state.copies.map((e) => [e.value.id, e]));
    for (const instance of plan.instances.create) ops.push(put("instance", keys.child(key, instance.id), instance, absent));
    for (const lost of plan.lost) {
      const entry = instanceEntries.get(lost.id)!;
      ops.push(del("instance", entry.key, unchanged(entry)));
      for (const copyId of lost.copies) if (world.statuses.has(copyId)) ops.push(del("copy-status", keys.child(key, copyId)));
    }
    const changedInstances = new Map<string, InstanceRecord>();
    for (const [id, since] of plan.managed.idleSince) {
      const entry = instanceEntries.get(id);
      if (!entry) continue;
      const next: InstanceRecord = { ...entry.value };
      if (since === null) delete next.idleSince;
      else next.idleSince = since;
      changedInstances.set(id, next);
    }
    for (const { id } of plan.instances.drain) {
      const entry = instanceEntries.get(id);
      if (entry) changedInstances.set(id, { ...(changedInstances.get(id) ?? entry.value), state: "Draining" });
    }
    for (const { id } of plan.instances.undrain) {
      const entry = instanceEntries.get(id);
      if (entry) changedInstances.set(id, { ...(changedInstances.get(id) ?? entry.value), state: "InService" });
    }
    for (const [id, next] of changedInstances) {
      const entry = instanceEntries.get(id)!;
      ops.push(put("instance", entry.key, next, unchanged(entry)));
    }
    for (const copy of plan.copies.add) ops.push(put("copy", keys.child(key, copy.id), copy, absent));
    const forget = new Set(plan.forget);
    const { hold, release } = plan.sessionDrain;
    for (const { id } of [...plan.copies.drain, ...plan.finishMoves]) {
      const entry = copyEntries.get(id);
      if (!entry || forget.has(id) || entry.value.state === "Draining") continue;
      const until = hold.get(id);
      ops.push(
        put(
          "copy",
          entry.key,
          { ...entry.value, state: "Draining", ...(until === undefined ? {} : { sessionsDrainUntil: until }) } satisfies CopyRecord,
          unchanged(entry),
        ),
      );
    }
    for (const { id } of release) {
      const entry = copyEntries.get(id)!;
      const stopped: CopyRecord = { ...entry.value };
      delete stopped.sessionsDrainUntil;
      ops.push(put("copy", entry.key, stopped, unchanged(entry)));
    }
    for (const id of forget) {
      const entry = copyEntries.get(id)!;
      ops.push(del("copy", entry.key, unchanged(entry)));
    }
    ops.push(...componentOps(state.components, plan));
    const endpointEntry = state.endpoint;
    if (endpointEntry && plan.status.endpoint.delete) ops.push(del("endpoint", endpointEntry.key, unchanged(endpointEntry)));
    else if (endpointEntry && plan.status.endpoint.record) ops.push(put("endpoint", endpointEntry.key, plan.status.endpoint.record, unchanged(endpointEntry)));
    else if (endpointEntry && plan.endpoint) ops.push(put("endpoint", endpointEntry.key, plan.endpoint, unchanged(endpointEntry)));
    return ops;
  }

  async #alarmStates(components: ComponentRecord[]): Promise<Map<string, AlarmState>> {
    const names = new Set(components.flatMap((c) => c.rollout?.policy.alarms ?? []));
    const states = new Map<string, AlarmState>();
    for (const name of names) {
      const alarm = await this.#options.store.get("alarm", name);
      if (alarm) states.set(name, alarm.value.state);
    }
    return states;
  }

  /** The lost instances are deleted: their hosts go back to the pool, free, for when they register again. */
  async #releaseLost(plan: EndpointPlan): Promise<void> {
    const { provider, log } = this.#options;
    for (const lost of plan.lost) {
      log.warn(
        { instance: lost.id, host: lost.host },
        `instance ${lost.id} is gone: host ${lost.host} lost its lease; its ${lost.copies.length} cop${lost.copies.length === 1 ? "y is" : "ies are"} placed again on other instances`,
      );
      await provider.terminate(lost.id);
    }
  }

  /** Returns true when the batch met a concurrent change and must be tried again. */
  async #launchPending(key: string): Promise<boolean> {
    const { store, provider, catalog, log } = this.#options;
    const pending = (await store.list("instance", { prefix: keys.children(key) })).filter((e) => e.value.state === "Pending");
    // One commit per batch: planInstances bounds how many instances a pass creates.
    const ops: Op[] = [];
    const launchedNow: { instance: InstanceRecord; host: string }[] = [];
    for (const entry of pending) {
      const { waiting, ...instance } = entry.value;
      let launched;
      try {
        launched = await provider.launch({
          instanceId: instance.id,
          endpointName: instance.endpointName,
          variantName: instance.variantName,
          instanceType: catalog.get(instance.instanceType)!,
          capacity: instance.capacity,
        });
      } catch (error) {
        if (!InstanceUnavailableError.is(error)) throw error;
        // It stays Pending and says why; a host joining or being freed queues the endpoint again.
        if (waiting !== error.message) ops.push(put("instance", entry.key, { ...instance, waiting: error.message }, unchanged(entry)));
        if (waiting === undefined) log.info({ endpoint: instance.endpointName, instance: instance.id }, `instance ${instance.id}: ${error.message}`);
        continue;
      }
      ops.push(
        put(
          "instance",
          entry.key,
          { ...instance, state: "InService", provider: provider.name, host: launched.host, devices: launched.devices } satisfies InstanceRecord,
          unchanged(entry),
        ),
      );
      launchedNow.push({ instance, host: launched.host });
    }
    if (ops.length === 0) return false;
    try {
      await store.commit(ops);
    } catch (error) {
      // Something else changed one of them; the next pass launches what is still pending.
      if (StoreConflictError.is(error)) return true;
      throw error;
    }
    for (const { instance, host } of launchedNow)
      log.info({ endpoint: instance.endpointName, instance: instance.id }, `instance ${instance.id} (${instance.instanceType}) is in service on ${host}`);
    return false;
  }

  async #terminate(key: string, plan: EndpointPlan): Promise<void> {
    const { store, provider, log } = this.#options;
    for (const { id, reason } of plan.instances.terminate) {
      const entry = await store.get("instance", keys.child(key, id));
      if (!entry) continue;
      const copies = await store.list("copy", { prefix: keys.children(key) });
      if (copies.some((c) => c.value.instanceId === id)) continue;
      await provider.terminate(id);
      try {
        await store.commit([del("instance", entry.key, unchanged(entry))]);
        log.info({ endpoint: entry.value.endpointName, instance: id }, `instance ${id} released (${reason})`);
      } catch (error) {
        if (!StoreConflictError.is(error)) throw error;
      }
    }
  }

  #logPlan(key: string, plan: EndpointPlan): void {
    const log = this.#options.log;
    for (const copy of plan.copies.add) {
      const why = copy.replaces ? `replacing ${copy.replaces}` : "new copy";
      log.info({ endpoint: key, copy: copy.id, instance: copy.instanceId }, `copy ${copy.id} placed on ${copy.instanceId} (${why})`);
    }
    const { hold, release } = plan.sessionDrain;
    for (const { id, reason } of [...plan.copies.drain, ...plan.finishMoves]) {
      const until = hold.get(id);
      const sessions = until === undefined ? "" : `; it serves its open stateful sessions until they end, at most until ${new Date(until).toISOString()}`;
      log.info({ endpoint: key, copy: id }, `copy ${id} draining: ${reason}${sessions}`);
    }
    for (const { id, reason } of release) log.info({ endpoint: key, copy: id }, `copy ${id} stops: ${reason}`);
    for (const { id, reason } of plan.instances.undrain) log.info({ endpoint: key, instance: id }, `instance ${id} is in service again: ${reason}`);
    for (const line of plan.rolloutEvents) log.info({ endpoint: key }, line);
    for (const [variant, { count, reason }] of plan.managed.desired)
      log.info({ endpoint: key }, `managed instance scaling: variant ${variant} of ${key} wants ${count} instances (${reason})`);
    for (const change of plan.status.components) {
      if (change.status)
        log.info(
          { component: change.name },
          `inference component ${change.name} is ${change.status}${change.failureReason ? `: ${change.failureReason}` : ""}`,
        );
      if (change.delete) log.info({ component: change.name }, `inference component ${change.name} deleted`);
    }
    const endpoint = plan.status.endpoint;
    if (endpoint.record)
      log.info(
        { endpoint: key },
        `endpoint ${endpoint.record.name} is ${endpoint.record.status}${endpoint.record.failureReason ? `: ${endpoint.record.failureReason}` : ""}`,
      );
    if (endpoint.delete) log.info({ endpoint: key }, `endpoint ${key} deleted`);
  }
}

function componentOps(entries: Entry<ComponentRecord>[], plan: EndpointPlan): Op[] {
  const ops: Op[] = [];
  for (const entry of entries) {
    const next = plan.components.get(entry.value.name);
    if (next === "delete") ops.push(...deleteComponentOps(entry));
    else if (next && next !== entry.value && JSON.stringify(next) !== JSON.stringify(entry.value))
      ops.push(put("inference-component", entry.key, next, unchanged(entry)));
  }
  return ops;
}
