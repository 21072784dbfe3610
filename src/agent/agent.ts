import { join } from "node:path";
import type { ImageCommand } from "../config/config.js";
import type { CopyRecord, DeviceInfo } from "../domain/resources.js";
import { detectMps, type MpsSetting } from "./accelerator-env.js";
import { adaptersOf } from "../state/components.js";
import { keys } from "../state/keys.js";
import { syncAdapters } from "./adapters.js";
import { changes, del, put, type BerthStore, type ChangeEvent } from "../state/records.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { WorkQueue } from "../controllers/runtime/work-queue.js";
import { ArtifactCache } from "../artifacts/cache.js";
import type { MemoryTier } from "../artifacts/memory-tier.js";
import { memoryTier } from "./memory-tier.js";
import type { ArtifactSettings } from "../artifacts/settings.js";
import type { ContainersConfig } from "../config/containers.js";
import { ContainerCopies } from "../containers/container-copies.js";
import { detectEngine } from "../containers/engine.js";
import { checkRegistryAuthFile } from "../containers/registry-auth.js";
import type { CopySandbox } from "./copy-sandbox.js";
import { belongsToCopy, killMarkedProcesses } from "./leftovers.js";
import { builtInFiles, resolveImage, runsInContainer } from "./images.js";
import { detectLimits, type LimitsMode } from "./limits.js";
import { PortAllocator } from "./ports.js";
import { CopyLogs } from "./copy-logs.js";
import { CopySupervisor, defaultTimings, type SupervisorTimings } from "./supervisor.js";
import { ParkedEngines, parkingIdentity } from "./parked-engines.js";
import { StorageFaultError } from "../store/storage-fault.js";

export interface NodeAgentOptions {
  store: BerthStore;
  /** The host whose instances this agent runs copies for. */
  host: string;
  /** Where copies run from: their user, environment and the files they may read. */
  sandbox: CopySandbox;
  images: Record<string, ImageCommand>;
  /** How images that are neither built in nor under `images:` run: the engine, pulls, credentials. */
  containers: ContainersConfig;
  artifacts: ArtifactSettings;
  clock: Clock;
  log: Logger;
  drain: (copyId: string, timeoutMs: number) => Promise<void>;
  timings?: Partial<SupervisorTimings>;
  /** MPS limits for accelerator shares: "auto" (the default) looks for a running MPS daemon. */
  mps?: MpsSetting;
}

/**
 * The node agent: runs a model-server process for every active copy placed on its host's instances,
 * reports each copy's status to the store, and stops copies that drain or disappear. Its copies listen on
 * 127.0.0.1. Inside `berth server` it uses the store and drains a copy by waiting on the router in-process;
 * inside `berth agent` it uses the agent's remote view of the store (remote-store.ts) and drains through the
 * agent's copy proxy, which routers on other hosts reach.
 */
export class NodeAgent {
  /** The copies' stdout and stderr, for `berth logs`. */
  readonly logs = new CopyLogs();
  readonly #options: NodeAgentOptions;
  readonly #supervisors = new Map<string, CopySupervisor>();
  readonly #stopping = new Map<string, Promise<void>>();
  readonly #adapterStates = new Map<string, Record<string, string>>();
  readonly #loop: WorkQueue;
  readonly #artifacts: ArtifactCache;
  readonly #memory: MemoryTier | undefined;
  readonly #parking: ParkedEngines | undefined;
  readonly #ports = new PortAllocator();
  #limitsMode: LimitsMode = { kind: "none", why: "not detected yet" };
  #containers?: Promise<ContainerCopies | undefined>;
  #noEngineWhy?: string;
  #unwatch?: () => void;
  #artifactReport: Promise<void> = Promise.resolve();
  #closed = false;
  #mps = false;

  constructor(options: NodeAgentOptions) {
    this.#options = options;
    const now = () => options.clock.now();
    const onChange = () => this.#reportArtifacts();
    this.#memory = memoryTier(options.artifacts, options.sandbox, { now, log: options.log, onChange });
    this.#artifacts = new ArtifactCache(options.sandbox.files.artifactsDir, options.artifacts, { now, log: options.log, onChange, memory: this.#memory });
    const graceMs = options.timings?.stopGraceMs ?? defaultTimings.stopGraceMs;
    if (options.artifacts.parkedEnginesMb > 0)
      this.#parking = new ParkedEngines({ budgetMb: options.artifacts.parkedEnginesMb, clock: options.clock, log: options.log, graceMs, onChange });
    this.#loop = new WorkQueue({ name: "agent", reconcile: (key) => this.#reconcile(key), clock: options.clock, log: options.log });
  }

  async start(): Promise<void> {
    const { store, log } = this.#options;
    // Finding the container engine takes a while (podman info); only container copies wait for it.
    this.#containers = this.#prepareContainers().catch((error) => {
      this.#noEngineWhy = `finding it failed: ${(error as Error).message}`;
      log.warn({ err: error }, `could not prepare the container engine: ${(error as Error).message}`);
      return undefined;
    });
    this.#limitsMode = await detectLimits();
    this.#mps = await detectMps(this.#options.mps ?? "auto");
    if (this.#mps) log.info("an MPS daemon runs on this host: copies with an accelerator share get MPS memory and thread limits");
    log.info(
      this.#limitsMode.kind === "none"
        ? `resource limits are not enforced on this host: ${this.#limitsMode.why}`
        : `resource limits are enforced with cgroup ${this.#limitsMode.kind}`,
    );
    log.info(`model copies run as ${this.#options.sandbox.identity.describe}; their files are in ${this.#options.sandbox.files.root}`);
    const unreadable = await this.#options.sandbox.unreadable(builtInFiles());
    if (unreadable.length > 0) {
      log.warn(
        `the copy user cannot read ${unreadable.join(", ")}, so built-in images will not start. Install Berth and Node where ${this.#options.sandbox.identity.describe} can read them (e.g. under /opt), or set copies.user.`,
      );
    }
    await this.#killLeftovers();
    await this.#forgetOldStatuses();
    await this.#collectArtifacts();
    this.#reportArtifacts();
    this.#unwatch = store.watch((events) => this.#onChanges(events));
    for (const entry of await store.list("copy")) this.#loop.enqueue(entry.key);
    for (const entry of await store.list("copy-status")) this.#loop.enqueue(entry.key);
  }

  /** The engine for container copies, once this agent's containers left by a previous run are gone; undefined when none answers. */
  async #prepareContainers(): Promise<ContainerCopies | undefined> {
    const { log, sandbox, containers } = this.#options;
    const found = await detectEngine(containers.engine);
    if (!found.engine) {
      this.#noEngineWhy = found.why;
      log.info(`images other than built-in and configured ones cannot run on this host: ${found.why}`);
      return undefined;
    }
    const copies = new ContainerCopies({
      engine: found.engine,
      settings: containers,
      log,
      envDir: join(sandbox.files.root, "container-env"),
      clientEnv: () => sandbox.containerClientBase(),
      wrapClient: (command, args) => sandbox.wrapClient(command, args),
    });
    log.info(`other images run as containers through ${copies.describe}`);
    for (const workaround of found.engine.workarounds) log.info(`${found.engine.kind}: ${workaround}`);
    if (containers.registryAuthFile) await checkRegistryAuthFile(containers.registryAuthFile, log);
    await copies.removeLeftovers(sandbox.agentLabel, log);
    return copies;
  }

  /** Stops every copy this agent runs (the server is going away); their records stay for the next start. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#unwatch?.();
    await this.#loop.stop();
    (await this.#containers)?.stop();
    const parked = this.#parking?.close();
    await Promise.all([...this.#supervisors.values()].map((s) => s.stop()));
    await Promise.all(this.#stopping.values());
    await parked;
    await this.#artifactReport;
    await this.#memory?.close();
  }

  #onChanges(events: ChangeEvent[]): void {
    for (const event of changes(events)) {
      if (event.kind === "inference-component") {
        const base = event.value.resolved?.baseComponentName;
        if (base)
          for (const [key, supervisor] of this.#supervisors) if (ownerName(supervisor) === base.toLowerCase()) void this.#refreshAdapters(key, supervisor);
      }
      if (event.kind === "copy") this.#loop.enqueue(event.key);
      else if (event.kind === "instance" && event.type === "put") {
        if (event.value.host === this.#options.host) for (const key of this.#copyKeysOn(event.value.id)) this.#loop.enqueue(key);
      }
    }
  }

  #copyKeysOn(instanceId: string): string[] {
    return [...this.#supervisors.values()].filter((s) => s.copy.instanceId === instanceId).map((s) => keys.child(s.copy.endpointName, s.copy.id));
  }

  async #reconcile(key: string): Promise<void> {
    if (this.#closed) return;
    const { store } = this.#options;
    const copy = (await store.get("copy", key))?.value;
    const instance = copy ? (await store.get("instance", keys.child(copy.endpointName, copy.instanceId)))?.value : undefined;
    const supervisor = this.#supervisors.get(key);
    // A stopped copy draining its stateful sessions keeps running (never started again) until the controller lets it stop.
    const held = copy?.state === "Draining" && copy.sessionsDrainUntil !== undefined && supervisor !== undefined;
    const mine = copy !== undefined && (copy.state === "Active" || held) && instance?.host === this.#options.host;
    if (mine) {
      if (!supervisor && !this.#stopping.has(key)) {
        this.#startCopy(key, copy, instance.devices ?? []);
      }
      return;
    }
    if (supervisor) {
      this.#supervisors.delete(key);
      this.#adapterStates.delete(key);
      const stopped = supervisor.stop().then(async () => {
        this.#stopping.delete(key);
        // A parked engine keeps what its copy held until it leaves the lot.
        if (!supervisor.parked) this.#artifacts.release(key);
        if (!this.#closed) await store.commit([del("copy-status", key)]);
      });
      this.#stopping.set(key, stopped);
      return;
    }
    if (!this.#stopping.has(key) && (await store.get("copy-status", key))) await store.commit([del("copy-status", key)]);
  }

  #startCopy(key: string, copy: CopyRecord, devices: readonly DeviceInfo[]): void {
    const { store, clock, log, images, drain } = this.#options;
    let writes = Promise.resolve();
    const parkAs = this.#parking ? parkingIdentity(copy, devices) : undefined;
    const supervisor = new CopySupervisor(copy, {
      log: log.child({ endpoint: copy.endpointName }),
      clock,
      artifacts: this.#artifacts,
      artifactHolder: key,
      ports: this.#ports,
      limitsMode: this.#limitsMode,
      resolveImage: async (image) => {
        const containers = runsInContainer(image, images) ? await this.#containers : undefined;
        return resolveImage(image, { configured: images, containers, noEngineWhy: this.#noEngineWhy });
      },
      drain,
      sandbox: this.#options.sandbox,
      adaptersDir: this.#adaptersDir(copy.id),
      devices,
      mps: this.#mps,
      timings: { ...defaultTimings, ...this.#options.timings },
      ...(this.#parking && parkAs
        ? { parking: { lot: this.#parking, ...parkAs, leave: () => this.#artifacts.release(key) }, adopt: this.#parking.take(parkAs.identity) }
        : {}),
      onOutput: (stream, text) =>
        this.logs.append(copy.owner.type === "component" ? copy.owner.name : copy.endpointName, { time: clock.now(), copy: copy.id, stream, text }),
      onStatus: (status) => {
        // Status writes of one copy are applied in order; a copy being forgotten writes nothing more.
        return (writes = writes
          .then(async () => {
            if (this.#closed || (!this.#supervisors.has(key) && status.phase !== "Stopping")) return;
            if (!(await store.get("copy", key))) return;
            const adapters = this.#adapterStates.get(key);
            await store.commit([put("copy-status", key, adapters ? { ...status, adapters } : status)]);
          })
          .catch((error) => {
            if (!StorageFaultError.is(error)) log.warn({ err: error, copy: copy.id }, "could not record copy status");
          }));
      },
    });
    this.#supervisors.set(key, supervisor);
    supervisor.start();
    void this.#refreshAdapters(key, supervisor);
  }

  #adaptersDir(copyId: string): string {
    return this.#options.sandbox.files.adaptersDir(copyId);
  }

  /** Loads the adapters of a base copy's component into its adapters directory and reports them in its status. */
  async #refreshAdapters(key: string, supervisor: CopySupervisor): Promise<void> {
    const { store, log } = this.#options;
    const owner = supervisor.copy.owner;
    if (owner.type !== "component") return;
    const adapters = (await adaptersOf(store, { name: owner.name, endpointName: supervisor.copy.endpointName }))
      .map((e) => e.value)
      .filter((c) => c.status !== "Deleting" && c.resolved.artifactUrl)
      .map((c) => ({ name: c.name, artifactUrl: c.resolved.artifactUrl!, downloadTimeoutSeconds: c.resolved.downloadTimeoutSeconds }));
    const known = this.#adapterStates.get(key) ?? {};
    if (adapters.length === 0 && Object.keys(known).length === 0) return;
    const states = await syncAdapters(supervisor.adaptersDir, adapters, this.#artifacts, key);
    if (!this.#supervisors.has(key) && !this.#stopping.has(key) && !this.#closed) this.#artifacts.release(key);
    if (JSON.stringify(states) === JSON.stringify(known) || this.#supervisors.get(key) !== supervisor) return;
    this.#adapterStates.set(key, states);
    log.info(
      { copy: supervisor.copy.id },
      `copy ${supervisor.copy.id} adapters: ${
        Object.entries(states)
          .map(([n, s]) => `${n} ${s}`)
          .join(", ") || "none"
      }`,
    );
    if (await store.get("copy", key)) await store.commit([put("copy-status", key, { ...supervisor.status, adapters: states })]);
  }

  /** Cache entries that no copy or component still names are removed before any copy starts. */
  async #collectArtifacts(): Promise<void> {
    const { store, log } = this.#options;
    const urls = [
      ...(await store.list("copy")).map((e) => e.value.spec.artifactUrl),
      ...(await store.list("inference-component")).filter((e) => e.value.status !== "Deleting").map((e) => e.value.resolved.artifactUrl),
    ];
    await this.#artifacts
      .collect(urls.filter((url): url is string => url !== undefined))
      .catch((error) => log.warn({ err: error }, "could not collect unused artifacts"));
  }

  /** Tells the scheduler which artifacts this host holds, one write at a time, the latest last. */
  #reportArtifacts(): void {
    const { store, host, log } = this.#options;
    this.#artifactReport = this.#artifactReport
      .then(async () => {
        if (this.#closed) return;
        const { urls, memoryUrls } = await this.#artifacts.heldUrls();
        const parked = this.#parking?.placementKeys() ?? [];
        const parkedDevices = this.#parking?.placementDevices() ?? {};
        const report = { host, urls, ...(this.#memory ? { memoryUrls } : {}), ...(parked.length > 0 ? { parked, parkedDevices } : {}) };
        const known = (await store.get("host-artifacts", host))?.value;
        if (JSON.stringify(known) !== JSON.stringify(report)) await store.commit([put("host-artifacts", host, report)]);
      })
      .catch((error) => log.warn({ err: error }, "could not report the artifacts this host holds"));
  }

  /** Statuses from a previous run name ports nobody listens on any more; the router must not use them. */
  async #forgetOldStatuses(): Promise<void> {
    const { store } = this.#options;
    for (const entry of await store.list("copy-status")) {
      const copy = (await store.get("copy", entry.key))?.value;
      const instance = copy ? (await store.get("instance", keys.child(copy.endpointName, copy.instanceId)))?.value : undefined;
      if (!copy || instance?.host === this.#options.host) await store.commit([del("copy-status", entry.key)]);
    }
  }

  /**
   * Copies of a previous run of this agent (killed without stopping them) are stopped before anything
   * starts: recorded PIDs that still carry their copy's id and any process carrying this agent's marker
   * (containers labelled with this agent are removed before any container copy starts: #prepareContainers).
   */
  async #killLeftovers(): Promise<void> {
    const { log, sandbox } = this.#options;
    for (const entry of await this.#options.store.list("copy-status")) {
      const pid = entry.value.pid;
      if (!pid || !belongsToCopy(pid, entry.value.copyId)) continue;
      try {
        process.kill(pid, "SIGKILL");
        log.info(`stopped leftover process ${pid} of copy ${entry.value.copyId} from a previous run`);
      } catch {
        // Already gone.
      }
    }
    const marked = killMarkedProcesses(sandbox.agentLabel);
    if (marked.length > 0) log.info(`stopped ${marked.length} leftover copy process(es) from a previous run: pids ${marked.join(", ")}`);
  }
}

function ownerName(supervisor: CopySupervisor): string | undefined {
  const owner = supervisor.copy.owner;
  return owner.type === "component" ? owner.name.toLowerCase() : undefined;
}
