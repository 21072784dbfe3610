import { backlogExceedsRoom, concurrencyTargetPerCopy, decideBacklogGrowth } from "../../autoscaling/backlog-growth.js";
import { capacityLeftFor, consolidationAllowed, decideInstanceCount } from "../../autoscaling/instance-scaling.js";
import { finishedMoves } from "../../scheduler/moves.js";
import { type ComponentDemand, type PlacedCopy, type PlacementInput } from "../../scheduler/index.js";
import { PlacementBook, type BookDecision } from "../../scheduler/book.js";
import { TargetTracker } from "./autoscale.js";
import { CopyTable } from "./copies.js";
import { DeviceSharing } from "./device-sharing.js";
import { LatencyHistogram } from "./histogram.js";
import { PoolState } from "./pool.js";
import { PrefixCaches } from "./prefix-cache.js";
import { SeriesRecorder } from "./series.js";
import type { ConsolidationOutcome, EngineModel, EngineResult, EngineSetup, InstanceMode, ModelOutcome } from "./types.js";
import { ParkedEngines } from "./parked-engines.js";
import { WeightCaches } from "./weight-cache.js";
import { stepOrder, type StepOrder } from "./step-order.js";
import type { Workload } from "./workload.js";

/**
 * Replays a workload against one setup in virtual time. Requests are handled in arrival order in one
 * tight loop: the router picks the ready copy with the fewest outstanding requests; when no copy has a
 * free concurrency slot the request waits in its model's one queue (not a copy's), and whichever copy
 * frees a slot first, or becomes ready first, serves the oldest waiting request, as the router does. A
 * request that cannot start within the hold limit fails. Every tickS of virtual time the server's own
 * decision functions run: target tracking per model (decideTargetTracking), placement per pool (place)
 * and managed instance scaling (decideInstanceCount). A request for a model with no copy wakes it at
 * once, and a backlog its ready and starting copies cannot absorb grows it at once
 * (decideBacklogGrowth), as the server does.
 */
export function runEngine(setup: EngineSetup, workload: Workload): EngineResult {
  return new Engine(setup, workload).run();
}

class Engine {
  readonly #setup: EngineSetup;
  readonly #w: Workload;
  /** The requests step by step and model by model; request indices below are positions in it. */
  readonly #order: StepOrder;
  readonly #time: Float64Array;
  readonly #models: EngineModel[];
  readonly #desired: Int32Array;
  readonly #live: number[][];
  readonly #trackers: (TargetTracker | undefined)[];
  readonly #pools: PoolState[];
  readonly #copies = new CopyTable();
  readonly #sharing = new DeviceSharing();
  readonly #latency = new LatencyHistogram();
  /** The latency the SLOs judge; the end-to-end histogram itself when no model is judged by its first token. */
  readonly #judged: LatencyHistogram;
  readonly #pending: number[][];
  readonly #pendingHead: Int32Array;
  readonly #slo: Float64Array;
  readonly #counts: {
    completed: Float64Array;
    within: Float64Array;
    failed: Float64Array;
    failQueue: Float64Array;
    failStartup: Float64Array;
    failNoCopy: Float64Array;
    failWindowEnd: Float64Array;
    held: Float64Array;
    cold: Float64Array;
    outs: Float64Array;
    ins: Float64Array;
    peak: Float64Array;
  };
  readonly #series: SeriesRecorder;
  readonly #calls = { targetTracking: 0, place: 0, instanceScaling: 0 };
  readonly #weights: WeightCaches | undefined;
  readonly #parked: ParkedEngines | undefined;
  readonly #notes: string[] = [];
  readonly #poolModels: number[][];
  readonly #modelByName: Map<string, number>;
  readonly #byInvocations: (TargetTracker | undefined)[];
  readonly #byConcurrency: (TargetTracker | undefined)[];
  readonly #holdLimitS: number;
  readonly #endS: number;
  /** Ready copies per model as of the last count, and when that count next changes. */
  readonly #readyCount: Int32Array;
  readonly #nextReady: Float64Array;
  /** Per model: the concurrency target a backlog is sized against (0: the model does not grow on its backlog). */
  readonly #perCopy: Float64Array;
  /** Queued requests' waiting time is in the concurrency metric up to here (the last tick). */
  #accountedTo = 0;
  #gpusHeld = 0;
  #peakInstances = 0;
  readonly #consolidation: ConsolidationOutcome | undefined;
  /** When a scale-out between decision steps (a wake, a backlog) was decided, per model, until its copies are placed; NaN otherwise. */
  readonly #grownAt: Float64Array;
  readonly #prefix: PrefixCaches | undefined;

  constructor(setup: EngineSetup, workload: Workload) {
    this.#setup = setup;
    this.#w = workload;
    // Copies sharing a device slow each other down across models: then requests stay in arrival order.
    const byModel = !setup.models.some((m) => m.share !== undefined);
    this.#order = stepOrder(workload, setup.timing.tickS, setup.timing.durationS, byModel);
    this.#time = this.#order.time;
    this.#models = setup.models;
    this.#weights = setup.timing.weightCache && new WeightCaches(setup.timing.weightCache);
    const parkedGB = setup.timing.weightCache?.parkedBudgetGB ?? 0;
    this.#parked = parkedGB > 0 ? new ParkedEngines(parkedGB) : undefined;
    const n = setup.models.length;
    if (workload.models.length !== n) throw new Error(`simulator: the workload has ${workload.models.length} models but the setup ${n}`);
    this.#desired = Int32Array.from(setup.models, (m) => m.initialCopies);
    this.#live = setup.models.map(() => []);
    this.#trackers = setup.models.map((m) => (m.scaling.kind === "target-tracking" ? new TargetTracker(m.name, m.scaling) : undefined));
    this.#pools = setup.pools.map((p, i) => new PoolState(p, i));
    this.#pending = setup.models.map(() => []);
    this.#pendingHead = new Int32Array(n);
    this.#slo = Float64Array.from(setup.models, (m) => m.sloS);
    this.#judged = workload.judgesFirstToken ? new LatencyHistogram() : this.#latency;
    const counter = () => new Float64Array(n);
    this.#counts = {
      completed: counter(),
      within: counter(),
      failed: counter(),
      failQueue: counter(),
      failStartup: counter(),
      failNoCopy: counter(),
      failWindowEnd: counter(),
      held: counter(),
      cold: counter(),
      outs: counter(),
      ins: counter(),
      peak: counter(),
    };
    this.#series = new SeriesRecorder(setup.timing, n);
    this.#poolModels = setup.pools.map((): number[] => []);
    // One pass: a dedicated strategy has a pool per model, and a scan per pool was pools × models.
    setup.models.forEach((m, i) => this.#poolModels[m.pool].push(i));
    this.#modelByName = new Map(setup.models.map((m, i) => [m.name, i]));
    this.#byInvocations = this.#trackers.map((t) => (t?.kind === "invocations" ? t : undefined));
    this.#byConcurrency = this.#trackers.map((t) => (t?.kind === "concurrency" ? t : undefined));
    this.#readyCount = new Int32Array(n);
    this.#nextReady = new Float64Array(n).fill(-Infinity);
    this.#perCopy = Float64Array.from(setup.models, (m) =>
      m.growOnBacklog && m.scaling.kind === "target-tracking" ? (concurrencyTargetPerCopy([m.scaling.config]) ?? 0) : 0,
    );
    this.#holdLimitS = setup.timing.holdLimitS;
    this.#endS = setup.timing.durationS;
    this.#grownAt = new Float64Array(n).fill(NaN);
    const consolidates = setup.pools.some((p) => p.mode.kind === "managed" && p.mode.consolidation !== undefined);
    this.#consolidation = consolidates ? { freed: 0, moves: 0, freedAtS: [] } : undefined;
    this.#prefix = PrefixCaches.for(setup.models, this.#order);
  }

  run(): EngineResult {
    const { durationS, tickS } = this.#setup.timing;
    const { segmentModel, segmentStart, stepStart } = this.#order;
    this.#start();
    for (let t = 0, step = 0; t < durationS; t += tickS, step++) {
      if (t > 0) this.#tick(t);
      this.#sample(t);
      if (t > 0 && t % 3600 === 0) this.#setup.onHour?.(t);
      for (let s = stepStart[step]; s < stepStart[step + 1]; s++) this.#arriveAll(segmentModel[s], segmentStart[s], segmentStart[s + 1]);
    }
    return this.#finish(durationS);
  }

  #start(): void {
    for (const pool of this.#pools) {
      for (let i = 0; i < pool.spec.initialInstances; i++) pool.launch(0, 0);
      this.#place(pool, 0, true);
      pool.refreshIdle(0);
    }
  }

  #tick(t: number): void {
    const trackers = this.#trackers;
    for (let m = 0; m < trackers.length; m++) {
      if (this.#pendingHead[m] >= this.#pending[m].length) continue;
      this.#drain(m, t);
      this.#accountWaiting(m, t);
    }
    this.#accountedTo = t;
    for (let m = 0; m < trackers.length; m++) {
      const tracker = trackers[m];
      if (!tracker) continue;
      if (tracker.periodEndsAt(t)) tracker.close(t, tracker.kind === "concurrency" ? this.#readySeconds(m, t - tracker.periodS, t) : 0);
      const next = tracker.decide(this.#desired[m], this.#readyCount[m]!, t);
      if (next === undefined) continue;
      if (next > this.#desired[m]) this.#counts.outs[m]++;
      else this.#counts.ins[m]++;
      this.#desired[m] = next;
      const pool = this.#pools[this.#models[m].pool];
      pool.dirty = true;
      pool.changed.add(m);
    }
    for (let m = 0; m < trackers.length; m++) if (this.#pendingHead[m] < this.#pending[m].length) this.#growOnBacklog(m, t, this.#countReady(m, t));
    for (const pool of this.#pools) this.#reconcile(pool, t);
  }

  /** The waiting time of requests still queued at tick t, since the last tick, into the concurrency metric (as the server counts its queue). */
  #accountWaiting(m: number, t: number): void {
    const tracker = this.#byConcurrency[m];
    if (tracker === undefined) return;
    const queue = this.#pending[m];
    const head = this.#pendingHead[m];
    const time = this.#time;
    const from = this.#accountedTo;
    let i = queue.length - 1;
    let seconds = 0;
    while (i >= head && time[queue[i]] > from) seconds += t - time[queue[i--]];
    seconds += (i - head + 1) * (t - from);
    tracker.addOutstanding(from, seconds);
  }

  /**
   * Serves model m's waiting requests, oldest first, each on the copy whose slot frees first (ready or
   * starting), as long as it starts by `until`; a request that cannot start within the hold limit fails.
   * Copies are placed at decision steps, at `until` or later; one decided between steps starts from its
   * decision (see #place), so with a startup shorter than a step a request may start later than it could.
   */
  #drain(m: number, until: number): void {
    const queue = this.#pending[m];
    let head = this.#pendingHead[m];
    const list = this.#live[m];
    const copies = this.#copies;
    const hold = this.#holdLimitS;
    while (head < queue.length) {
      const n = queue[head];
      const a = this.#time[n];
      let k = -1;
      let slot = Infinity;
      for (let i = 0; i < list.length; i++) {
        const s = copies.earliestSlot(list[i]);
        if (s < slot) {
          slot = s;
          k = list[i];
        }
      }
      // k < 0: copies whose slots never free (at the window's end `until` is Infinity); none may take the request.
      if (k < 0 || (slot > a ? slot : a) > until) {
        // A scale-out not yet placed may still serve it: judged once its copies are (see #place).
        if (until - a <= hold || !Number.isNaN(this.#grownAt[m])) break;
        this.#counts.failed[m]++;
        if (list.length === 0) this.#counts.failNoCopy[m]++;
        else if (k >= 0 && copies.readyAt[k] - a > hold) this.#counts.failStartup[m]++;
        else this.#counts.failQueue[m]++;
        head++;
        continue;
      }
      head++;
      this.#assign(n, k, a, m);
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
    this.#pendingHead[m] = head;
  }

  /** Berth's addition: more requests waiting than the ready and starting copies absorb grow the model at once. */
  #growOnBacklog(m: number, t: number, ready: number): void {
    const perCopy = this.#perCopy[m];
    const current = this.#desired[m];
    const tracker = this.#trackers[m];
    if (perCopy === 0 || current === 0 || tracker === undefined || current >= tracker.max) return;
    const waiting = this.#pending[m].length - this.#pendingHead[m];
    const capacity = { current, min: tracker.min, max: tracker.max };
    if (!backlogExceedsRoom({ waiting, ready, perCopy, capacity })) return;
    const decision = decideBacklogGrowth({ waiting, ready, perCopy, capacity });
    if (decision.direction === "out") this.#growTo(m, decision.desired, t);
  }

  /** Placement and instance scaling for one pool, when something may have changed. */
  #reconcile(pool: PoolState, t: number): void {
    const mode = pool.spec.mode;
    // Only managed instance scaling reads how long an instance has been idle.
    if (mode.kind === "managed") pool.refreshIdle(t);
    if (mode.kind === "follow-copies") {
      if (pool.dirty || pool.unplaced > 0) this.#followCopies(pool, t);
      return;
    }
    if (mode.kind === "managed" && this.#consolidation !== undefined && pool.draining > 0) this.#finishMoves(pool, t);
    if (pool.dirty || pool.unplaced > 0) this.#place(pool, t, false);
    if (mode.kind !== "managed") return;
    pool.refreshIdle(t);
    const releaseBefore = t - mode.idleReleaseS;
    const idleDue = pool.instances.some((i) => i.idleSince !== undefined && i.idleSince <= releaseBefore);
    const liveCount = pool.instances.length - pool.draining;
    const policy = mode.consolidation;
    const allowed =
      policy !== undefined &&
      consolidationAllowed({
        now: t * 1000,
        lastModifiedAt: pool.modifiedAt * 1000,
        cooldownMs: policy.cooldownS * 1000,
        draining: pool.draining > 0,
      });
    // Asked again only once the copies changed: with the same placement the answer is the same.
    const consolidationDue = allowed && pool.consolidationCheckedAt !== pool.placements;
    if (pool.unplaced === 0 && !idleDue && liveCount >= mode.min && !consolidationDue) return;
    this.#scaleInstances(pool, mode, t, idleDue, allowed);
  }

  /**
   * Managed instance scaling once something may change the count. Apart from #reconcile, which runs
   * every step for every pool: that one stays small, so the optimizer compiles it once and cheaply.
   */
  #scaleInstances(pool: PoolState, mode: Extract<InstanceMode, { kind: "managed" }>, t: number, idleDue: boolean, allowed: boolean): void {
    const releaseBefore = t - mode.idleReleaseS;
    const policy = mode.consolidation;
    const live = pool.instances.filter((i) => !i.draining);
    const placement = this.#placementInput(pool);
    if (pool.unplaced === 0 && !idleDue && live.length >= mode.min && !live.some((i) => capacityLeftFor(placement, new Set([i.id])))) {
      // Only consolidation was due, and no instance's drain leaves room for the copies: it would drain none.
      pool.consolidationCheckedAt = pool.placements;
      return;
    }
    this.#calls.instanceScaling++;
    const decision = decideInstanceCount({
      placement,
      template: pool.spec.template,
      live: live.map((i) => ({
        id: i.id,
        launching: i.readyAt > t,
        idleSince: i.idleSince === undefined ? undefined : i.idleSince * 1000,
        createdAt: i.createdAt * 1000,
      })),
      bounds: { min: mode.min, max: mode.max },
      now: t * 1000,
      idleReleaseMs: mode.idleReleaseS * 1000,
      ...(policy && { consolidation: { maxStep: policy.maxStep, allowed } }),
    });
    if (allowed) pool.consolidationCheckedAt = pool.placements;
    if (decision.consolidate.length > 0) {
      for (const id of decision.consolidate) pool.drain(id);
      this.#place(pool, t, false);
    } else if (decision.count > live.length) {
      const launchS = this.#setup.timing.instanceLaunchS;
      for (let n = live.length; n < decision.count; n++) pool.launch(t, t + launchS);
      this.#place(pool, t, false);
    } else if (decision.count < live.length) {
      const releasable = live
        .filter((i) => i.copies === 0 && i.readyAt <= t && i.idleSince !== undefined && i.idleSince <= releaseBefore)
        .sort((a, b) => b.order - a.order);
      for (const i of releasable.slice(0, live.length - decision.count)) this.#terminate(pool, i.id, t);
    }
    pool.refreshIdle(t);
  }

  /** A dedicated endpoint's instances follow its copies: one per copy, launched or released with it. */
  #followCopies(pool: PoolState, t: number): void {
    const want = this.#desired[this.#poolModels[pool.index][0]];
    const launchS = this.#setup.timing.instanceLaunchS;
    while (pool.instances.length < want) pool.launch(t, t + launchS);
    this.#place(pool, t, false);
    const spare = pool.instances.filter((i) => i.copies === 0).sort((a, b) => b.order - a.order);
    for (const i of spare) if (pool.instances.length > want) this.#terminate(pool, i.id, t);
  }

  /**
   * Consolidation's moves, as the endpoint controller does them: an old copy stops once its replacement
   * is ready (finishedMoves), and a draining instance with no copy left is released.
   */
  #finishMoves(pool: PoolState, t: number): void {
    if (pool.draining === 0) return;
    const draining = pool.instances.filter((i) => i.draining);
    const readyAt = this.#copies.readyAt;
    const done = finishedMoves(pool.current, (c) => readyAt[pool.copyIndex.get(c.id)!] <= t);
    if (done.length > 0) {
      const stopped = new Set(done.map((d) => d.old));
      for (const { old, by } of done) {
        this.#removeCopy(pool, old, t);
        // The simulator's copy record forgets the finished move; the server's keeps the id (see report).
        // Cleared, not deleted: deleting it gives the copy one more object shape for the scheduler's code to handle.
        by.replaces = undefined;
        this.#consolidation!.moves++;
      }
      pool.current = pool.current.filter((c) => !stopped.has(c));
      pool.placements++;
    }
    for (const i of draining) {
      if (i.copies > 0) continue;
      this.#terminate(pool, i.id, t);
      this.#consolidation!.freed++;
      this.#consolidation!.freedAtS.push(t);
    }
    // A copy still on a draining instance gets a replacement as soon as one fits.
    if (pool.draining > 0) pool.dirty = true;
  }

  #placementInput(pool: PoolState): PlacementInput {
    const demands = this.#demands(pool, this.#poolModels[pool.index]);
    return {
      instances: pool.schedulerInstances(),
      demands,
      current: pool.current,
      nextOrdinals: pool.nextOrdinals,
      holders: this.#holders(pool),
      parkedHolders: this.#parkedHolders(pool),
      parkedDevices: this.#parkedDevices(pool),
    };
  }

  /** The scheduler's demands for these models, in an array without holes (as the scheduler's compiled code has seen them). */
  #demands(pool: PoolState, models: Iterable<number>): ComponentDemand[] {
    const demands: ComponentDemand[] = [];
    for (const m of models) demands.push(this.#demand(pool, m));
    return demands;
  }

  /** The scheduler's demand for model m. */
  #demand(pool: PoolState, m: number): ComponentDemand {
    const model = this.#models[m];
    return { component: model.name, copies: this.#desired[m], needs: model.needs, share: model.share, strategy: pool.spec.placement, artifact: model.name };
  }

  /**
   * Runs the scheduler on the pool and starts and stops copies as it says. warm: new copies are ready
   * at once. While the instances stay the same and nothing moves, only the models whose desired count
   * changed (and those still short) are placed, against the fleet as it stands (PlacementBook.decide):
   * the same decision as a full pass, since the others would add and remove nothing.
   */
  #place(pool: PoolState, t: number, warm: boolean): void {
    for (const c of pool.current) c.ready = this.#copies.readyAt[pool.copyIndex.get(c.id)!] <= t;
    this.#calls.place++;
    let decision: BookDecision;
    if (pool.book?.reusable && pool.draining === 0) {
      const models = new Set(pool.changed);
      for (const name of pool.short.keys()) models.add(this.#modelByName.get(name)!);
      pool.short.clear();
      decision = pool.book.decide(this.#demands(pool, models), {
        holders: this.#holders(pool, models),
        parkedHolders: this.#parkedHolders(pool, models),
        parkedDevices: this.#parkedDevices(pool, models),
      });
    } else {
      const input = this.#placementInput(pool);
      pool.book = new PlacementBook(input);
      pool.short.clear();
      decision = pool.book.decide(input.demands, input);
    }
    const removed = new Set<PlacedCopy>();
    for (const r of decision.remove) {
      this.#removeCopy(pool, r.copy, t);
      removed.add(r.copy);
    }
    const current: PlacedCopy[] = removed.size > 0 ? pool.current.filter((c) => !removed.has(c)) : pool.current;
    for (const added of decision.add) {
      const m = this.#modelByName.get(added.component)!;
      const model = this.#models[m];
      const instance = pool.instance(added.instanceId);
      // A wake or a backlog's growth is decided when its request arrives, as on the server; its copies start from then.
      const from = Number.isNaN(this.#grownAt[m]) ? t : this.#grownAt[m];
      const woken = !warm && this.#parked?.take(instance.id, m, added.devices) === true;
      const readyAt = warm ? t : Math.max(from, instance.readyAt) + (woken ? this.#wakeS(m) : this.#startupS(m, instance.id));
      if (model.weights) this.#weights?.use(instance.id, m, model.weights.sizeGB, t);
      const k = this.#copies.add(m, readyAt, model.concurrency);
      if (added.share) this.#sharing.join(k, added.instanceId, added.devices[0]);
      pool.copyIndex.set(added.id, k);
      instance.copies++;
      this.#live[m].push(k);
      this.#nextReady[m] = -Infinity;
      this.#gpusHeld += devicesHeld(pool, added);
      this.#counts.peak[m] = Math.max(this.#counts.peak[m], this.#live[m].length);
      current.push(added);
    }
    pool.current = current;
    pool.nextOrdinals = pool.book.ordinals;
    for (const m of pool.changed) this.#grownAt[m] = NaN;
    for (const u of decision.unplaced) pool.short.set(u.component, u.missing);
    let unplaced = 0;
    for (const missing of pool.short.values()) unplaced += missing;
    pool.unplaced = unplaced;
    pool.changed.clear();
    pool.dirty = false;
    if (decision.add.length > 0 || decision.remove.length > 0) pool.placements++;
  }

  /** Where the weights are on the instance decides how long they take to load (weight-cache.ts). */
  #startupS(m: number, instanceId: string): number {
    const { weights, startupS } = this.#models[m];
    if (!weights || !this.#weights) return startupS;
    return weights.fixedS + weights.sizeGB / this.#weights.loadGBps(this.#weights.source(instanceId, m), weights.remoteGBps);
  }

  #parkedNotes(): string[] {
    if (!this.#parked) return [];
    const { wakes, otherDevices } = this.#parked.counts;
    return [
      `parked engines: ${wakes} cop${wakes === 1 ? "y" : "ies"} took a parked engine over` +
        (otherDevices > 0 ? `; ${otherDevices} started a new engine on an instance whose parked engine of the model was on other devices` : ""),
    ];
  }

  /** A parked engine's wake: its fixed part, then its weights copied back from host memory. */
  #wakeS(m: number): number {
    const spec = this.#setup.timing.weightCache!;
    return spec.parkedWakeS + this.#models[m].weights!.sizeGB / spec.memoryGBps;
  }

  /** Instances keeping an engine of each model parked (the server's PlacementInput.parkedHolders). */
  #parkedHolders(pool: PoolState, only?: Iterable<number>): Record<string, readonly string[]> | undefined {
    return this.#holdersIn(this.#parked, pool, only);
  }

  /** The devices of each model's parked engines, per instance (the server's PlacementInput.parkedDevices). */
  #parkedDevices(pool: PoolState, only?: Iterable<number>): PlacementInput["parkedDevices"] {
    if (!this.#parked) return undefined;
    const out: Record<string, Record<string, (readonly number[])[]>> = {};
    for (const m of only ?? this.#poolModels[pool.index]) {
      const devices = this.#parked.devices(m);
      if (Object.keys(devices).length > 0) out[this.#models[m].name] = devices;
    }
    return out;
  }

  /** Instances holding each model's weights, for the pool's models or the `only` ones (the models a placement decides). */
  #holders(pool: PoolState, only?: Iterable<number>): Record<string, readonly string[]> | undefined {
    return this.#holdersIn(this.#weights, pool, only);
  }

  #holdersIn(
    source: { holders(m: number): readonly string[] } | undefined,
    pool: PoolState,
    only?: Iterable<number>,
  ): Record<string, readonly string[]> | undefined {
    if (!source) return undefined;
    const holders: Record<string, readonly string[]> = {};
    for (const m of only ?? this.#poolModels[pool.index]) {
      const ids = source.holders(m);
      if (ids.length > 0) holders[this.#models[m].name] = ids;
    }
    return holders;
  }

  #terminate(pool: PoolState, id: string, t: number): void {
    pool.terminate(id, t);
    this.#weights?.dropInstance(id);
    this.#parked?.dropInstance(id);
  }

  #removeCopy(pool: PoolState, copy: PlacedCopy, t: number): void {
    const k = pool.copyIndex.get(copy.id)!;
    const weights = this.#models[this.#copies.model[k]].weights;
    if (weights) {
      this.#weights?.release(copy.instanceId, this.#copies.model[k], t);
      this.#parked?.park(copy.instanceId, this.#copies.model[k], copy.devices, weights.sizeGB, t);
    }
    pool.copyIndex.delete(copy.id);
    pool.instance(copy.instanceId).copies--;
    const m = this.#copies.model[k];
    const list = this.#live[m];
    list.splice(list.indexOf(k), 1);
    this.#nextReady[m] = -Infinity;
    this.#copies.release(k, t);
    this.#sharing.leave(k);
    this.#gpusHeld -= devicesHeld(pool, copy);
  }

  #readySeconds(m: number, from: number, to: number): number {
    let sum = 0;
    for (const k of this.#live[m]) {
      const r = this.#copies.readyAt[k];
      if (r < to) sum += to - (r > from ? r : from);
    }
    return sum;
  }

  /**
   * The hot path: model m's requests lo…hi−1 of one decision step, no allocation. A request that finds
   * no queue, no copy about to become ready and a free slot on the copy the router picks starts at once,
   * here; any other goes through #arrive.
   */
  #arriveAll(m: number, lo: number, hi: number): void {
    const time = this.#time;
    const queue = this.#pending[m];
    const invocations = this.#byInvocations[m];
    const copies = this.#copies;
    const live = this.#live[m];
    let completed = 0;
    let within = 0;
    for (let n = lo; n < hi; n++) {
      const a = time[n];
      const ready = this.#readyCount[m];
      if (ready === 0 || a >= this.#nextReady[m] || this.#pendingHead[m] < queue.length) {
        this.#arrive(n, m);
        continue;
      }
      invocations?.recordInvocation(a, ready);
      const k = this.#prefix?.routes(m) ? this.#prefixPick(m, n, a) : live.length === 1 ? live[0] : this.#leastOutstanding(m, n);
      if (copies.earliestSlot(k) > a) {
        if (this.#prefix?.routes(m)) {
          this.#assign(n, k, a, m);
          continue;
        }
        queue.push(n);
        this.#growOnBacklog(m, a, ready);
        continue;
      }
      const inSlo = this.#serve(n, k, m);
      completed++;
      if (inSlo) within++;
    }
    this.#counts.completed[m] += completed;
    this.#counts.within[m] += within;
  }

  /** One request, no allocation. */
  #arrive(n: number, m: number): void {
    const a = this.#time[n];
    const queue = this.#pending[m];
    if (this.#pendingHead[m] < queue.length) this.#drain(m, a);
    const ready = a >= this.#nextReady[m] ? this.#countReady(m, a) : this.#readyCount[m];
    this.#byInvocations[m]?.recordInvocation(a, ready);
    if (ready > 0 && this.#pendingHead[m] >= queue.length) {
      const k = this.#prefix?.routes(m) ? this.#prefixPick(m, n, a) : this.#leastOutstanding(m, n);
      if (this.#copies.earliestSlot(k) <= a || this.#prefix?.routes(m)) {
        this.#assign(n, k, a, m);
        return;
      }
    }
    if (ready === 0) this.#counts.held[m]++;
    if (this.#live[m].length === 0 && this.#desired[m] === 0 && this.#models[m].wakeFromZero) this.#wake(m, a);
    queue.push(n);
    this.#growOnBacklog(m, a, ready);
  }

  /** The copy prefix-aware routing picks; its own method, so the request loops hold no closure. */
  #prefixPick(m: number, n: number, a: number): number {
    return this.#prefix!.pick(m, n, a, this.#live[m], this.#copies, () => this.#leastOutstanding(m, n));
  }

  /** The ready copy with the fewest outstanding requests when request n arrives; ties go to the copy placed first. Takes n, not its (boxed) time. */
  #leastOutstanding(m: number, n: number): number {
    const a = this.#time[n];
    const list = this.#live[m];
    const copies = this.#copies;
    const { readyAt, nextDone, held } = copies;
    let best = -1;
    let bestOut = Infinity;
    for (let i = 0; i < list.length; i++) {
      const k = list[i];
      if (readyAt[k] > a) continue;
      const out = a < nextDone[k] ? held[k] : copies.outstandingAt(k, a);
      if (out === 0) return k;
      if (out < bestOut) {
        bestOut = out;
        best = k;
      }
    }
    return best;
  }

  /** Ready copies of model m at time a; also remembers when the next starting copy becomes ready. */
  #countReady(m: number, a: number): number {
    const readyAt = this.#copies.readyAt;
    let ready = 0;
    let next = Infinity;
    for (const k of this.#live[m]) {
      const r = readyAt[k];
      if (r <= a) ready++;
      else if (r < next) next = r;
    }
    this.#readyCount[m] = ready;
    this.#nextReady[m] = next;
    return ready;
  }

  #assign(n: number, k: number, a: number, m: number): void {
    const copies = this.#copies;
    const slot = copies.earliestSlot(k);
    const start = slot > a ? slot : a;
    if (start - a > this.#holdLimitS) {
      this.#failOnCopy(k, a, m);
      return;
    }
    const inSlo = this.#serve(n, k, m);
    this.#counts.completed[m]++;
    if (inSlo) this.#counts.within[m]++;
  }

  /** Request n starts on copy k at its earliest free slot (or on arrival); returns whether it met its SLO. */
  #serve(n: number, k: number, m: number): boolean {
    const copies = this.#copies;
    // Times read here rather than passed: a float argument to a call that is not inlined is boxed.
    const a = this.#time[n];
    const slot = copies.earliestSlot(k);
    const start = slot > a ? slot : a;
    const slow = this.#sharing.slowdown(k, start, copies.busyEnd);
    const saved = this.#prefix === undefined ? 0 : this.#prefix.saved(n, k, m);
    const done = start + (this.#order.service[n] - saved) * slow;
    copies.assign(k, done);
    this.#latency.add(done - a);
    const judged = start - a + (this.#order.judged[n] - saved) * slow;
    if (this.#judged !== this.#latency) this.#judged.add(judged);
    const end = this.#endS;
    const busyEnd = copies.busyEnd[k];
    const from = start > busyEnd ? start : busyEnd;
    // Math.min, not a conditional: mixing the integer end with a float there boxed `done` on every request.
    if (done > from && from < end) copies.busySeconds[k] += Math.min(done, end) - from;
    if (done > busyEnd) copies.busyEnd[k] = done;
    const tracker = this.#byConcurrency[m];
    if (tracker !== undefined) {
      // A request that waited in the queue across ticks was counted there up to the last one.
      const from = a > this.#accountedTo ? a : this.#accountedTo;
      tracker.recordOutstanding(from, done, from);
    }
    // A boolean, not the latency: a float returned from a call that is not inlined is boxed.
    return judged <= this.#slo[m];
  }

  /** A request that would start too late on copy k: behind a busy copy, or waiting for one still starting. */
  #failOnCopy(k: number, a: number, m: number): void {
    this.#counts.failed[m]++;
    if (this.#copies.readyAt[k] - a > this.#holdLimitS) this.#counts.failStartup[m]++;
    else this.#counts.failQueue[m]++;
  }

  #wake(m: number, a: number): void {
    this.#counts.cold[m]++;
    this.#growTo(m, Math.max(1, this.#trackers[m]?.min ?? 1), a);
  }

  /** A scale-out decided between decision steps: placed at the next one, with the copies' startup counted from now (see #place). */
  #growTo(m: number, desired: number, a: number): void {
    this.#desired[m] = desired;
    this.#trackers[m]?.stampScaleOut(a);
    this.#counts.outs[m]++;
    const pool = this.#pools[this.#models[m].pool];
    pool.dirty = true;
    pool.changed.add(m);
    if (Number.isNaN(this.#grownAt[m])) this.#grownAt[m] = a;
  }

  #sample(t: number): void {
    let instances = 0;
    for (const pool of this.#pools) instances += pool.instances.length;
    if (instances > this.#peakInstances) this.#peakInstances = instances;
    if (t % this.#series.stepS !== 0) return;
    let instanceSeconds = 0;
    for (const pool of this.#pools) instanceSeconds += pool.instanceSecondsAt(t);
    this.#series.record(t, instances, this.#gpusHeld, instanceSeconds, this.#live);
    if (this.#gpusHeld > this.#series.busiest.gpusHeld) this.#series.snapshot(t, this.#gpusHeld, this.#pools, this.#models);
  }

  #finish(end: number): EngineResult {
    for (const pool of this.#pools) pool.finish(end);
    for (let m = 0; m < this.#pending.length; m++) {
      // Requests still waiting start on the copies there are, if within the hold limit; with none, the window closed on them.
      if (this.#live[m].length > 0) this.#drain(m, Infinity);
      const waiting = this.#pending[m].length - this.#pendingHead[m];
      this.#counts.failed[m] += waiting;
      this.#counts.failWindowEnd[m] += waiting;
    }
    const copies = this.#copies;
    let busy = 0;
    for (let k = 0; k < copies.size; k++) busy += copies.busySeconds[k] * this.#models[copies.model[k]].accelerators;
    let gpuSeconds = 0;
    let instanceSeconds = 0;
    for (const pool of this.#pools) {
      gpuSeconds += pool.instanceSeconds * pool.accelerators;
      instanceSeconds += pool.instanceSeconds;
    }
    const peakInstances = this.#peakInstances;
    const c = this.#counts;
    const models: ModelOutcome[] = this.#models.map((model, m) => ({
      name: model.name,
      requests: this.#w.requestsPerModel[m],
      completed: c.completed[m],
      withinSlo: c.within[m],
      failed: c.failed[m],
      failedBy: { queue: c.failQueue[m], startup: c.failStartup[m], noCopy: c.failNoCopy[m], windowEnd: c.failWindowEnd[m] },
      held: c.held[m],
      coldStarts: c.cold[m],
      peakCopies: c.peak[m],
      scaleOuts: c.outs[m],
      scaleIns: c.ins[m],
    }));
    this.#calls.targetTracking = this.#trackers.reduce((sum, t) => sum + (t?.calls ?? 0), 0);
    return {
      durationS: end,
      instanceSeconds,
      gpuSeconds,
      busyGpuSeconds: busy,
      peakInstances,
      models,
      latency: this.#latency,
      judged: this.#judged,
      series: this.#series.result(),
      busiest: this.#series.busiest,
      calls: this.#calls,
      notes: [...this.#notes, ...(this.#prefix?.notes(this.#models) ?? []), ...this.#parkedNotes()],
      ...(this.#consolidation && { consolidation: this.#consolidation }),
    };
  }
}

/** Devices a copy holds: whole ones, or its share's part of one (by memory). */
function devicesHeld(pool: PoolState, copy: PlacedCopy): number {
  if (!copy.share) return copy.resources.accelerators;
  const device = pool.spec.template.deviceMemoryMiB?.[0] ?? 0;
  return device > 0 ? copy.share.memoryMiB / device : 0;
}
