import { spawn } from "node:child_process";
import { shareEnvironment, visibleDeviceIds } from "./accelerator-env.js";
import type { CopyPhase, CopyRecord, CopyStatusRecord, DeviceInfo } from "../domain/resources.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { ArtifactError } from "../artifacts/artifact-error.js";
import type { ArtifactCache } from "../artifacts/cache.js";
import { vetProcessEnvironment, type CopySandbox } from "./copy-sandbox.js";
import { ping } from "./health.js";
import { OutputBudget, type OutputBudgetLimits } from "./output-budget.js";
import { callEngine } from "./engine-sleep.js";
import { ImageUnavailableError } from "../containers/image-pulls.js";
import { containerPort } from "../containers/run-command.js";
import { runFailureAdvice } from "../containers/run-failures.js";
import { EngineProcess, type PreparedCopy } from "./engine-process.js";
import type { ContainerImage, ImageResolution, ProcessImage } from "./images.js";
import { applyLimits, type LimitsMode } from "./limits.js";
import type { ParkedEngine, ParkingTicket } from "./parked-engines.js";
import type { PortAllocator } from "./ports.js";

export interface SupervisorDeps {
  log: Logger;
  clock: Clock;
  artifacts: ArtifactCache;
  /** Who this copy is to the artifact cache; the agent releases it when the copy is removed. */
  artifactHolder: string;
  ports: PortAllocator;
  limitsMode: LimitsMode;
  resolveImage: (image: string) => Promise<ImageResolution>;
  /** Waits until the router has no request in flight to this copy (bounded by the caller's timeout). */
  drain: (copyId: string, timeoutMs: number) => Promise<void>;
  /** Records a status; the returned promise settles once it is stored. */
  onStatus: (status: CopyStatusRecord) => Promise<void> | void;
  /** The user, environment and files copies are confined to. */
  sandbox: CopySandbox;
  /** Where the agent puts the LoRA adapters this copy serves (BERTH_ADAPTERS_DIR). */
  adaptersDir: string;
  /** The instance's devices: GPUs (or MIG instances) nvidia-smi found, and devices modelled from the catalog. */
  devices: readonly DeviceInfo[];
  /** Whether an MPS daemon runs here, so shares get MPS limits (src/agent/accelerator-env.ts). */
  mps: boolean;
  timings: SupervisorTimings;
  /** Each line the copy's process writes (`berth logs`). */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
  /** How much of the copy's output the server log takes (default: defaultOutputBudget). */
  outputBudget?: OutputBudgetLimits;
  /** Set where engines may be parked: a stopped copy of a parkable image leaves its engine here (src/agent/parked-engines.ts). */
  parking?: ParkingTicket;
  /** A parked engine of this copy's version that the copy takes over instead of starting a process. */
  adopt?: ParkedEngine;
}

export interface SupervisorTimings {
  pingIntervalMs: number;
  /** Between liveness pings of a ready copy that passed its last one. */
  livenessIntervalMs: number;
  /** Between liveness pings after a miss, until one passes or livenessFailures are missed in a row. */
  livenessRetryMs: number;
  livenessFailures: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** How long a copy must serve before a failure counts as a first one again (restarting after backoffMinMs). */
  backoffResetMs: number;
  drainTimeoutMs: number;
  stopGraceMs: number;
}

export const defaultTimings: SupervisorTimings = {
  pingIntervalMs: 100,
  // Each ping wakes the copy's process: with 150 idle copies on a 2-core host, pings every 5 s raised the
  // router's p99 2.5-fold (README, "Router tail with many models"). A quick retry after a miss keeps a hang found fast.
  livenessIntervalMs: 15_000,
  livenessRetryMs: 1_000,
  livenessFailures: 3,
  backoffMinMs: 1_000,
  backoffMaxMs: 30_000,
  // A server that crashes soon after each start (a bad request it replays, a leak) backs off like one that
  // never starts; one that served a minute is restarted at once.
  backoffResetMs: 60_000,
  drainTimeoutMs: 60_000,
  stopGraceMs: 30_000,
};

/** How an attempt to run the copy ended; `readyAt`: when it passed /ping, if it did. */
type Outcome = { error: string; terminal?: boolean; readyAt?: number };

/**
 * Runs one copy: fetches its artifact, starts its process with its devices and limits, waits for /ping,
 * keeps checking it, and restarts it with backoff when it fails. Stopping drains it first.
 */
export class CopySupervisor {
  readonly copy: CopyRecord;
  readonly #deps: SupervisorDeps;
  readonly #log: Logger;
  #status: CopyStatusRecord;
  #engine?: EngineProcess;
  #adopt?: ParkedEngine;
  readonly #adaptersDir: string;
  #parkable = false;
  /** The image's sleep and wake paths, where its engine frees its accelerator memory only when asked. */
  #sleep: ProcessImage["sleep"];
  #parked = false;
  #stopping = false;
  #stopped?: Promise<void>;
  #wake?: () => void;
  /** The server log's share of this copy's output, over all its restarts. */
  readonly #outputBudget: OutputBudget;

  constructor(copy: CopyRecord, deps: SupervisorDeps) {
    this.copy = copy;
    this.#deps = deps;
    this.#outputBudget = new OutputBudget(deps.outputBudget);
    this.#log = deps.log.child({ copy: copy.id });
    this.#status = { copyId: copy.id, phase: "Starting", restarts: 0, since: deps.clock.now(), firstStartAt: deps.clock.now() };
    this.#adopt = deps.adopt;
    this.#adaptersDir = deps.adopt?.adaptersDir ?? deps.adaptersDir;
  }

  /** Where this copy's engine reads its adapters: the directory of the copy that started the process. */
  get adaptersDir(): string {
    return this.#adaptersDir;
  }

  /** True once the copy stopped and its engine was parked rather than stopped. */
  get parked(): boolean {
    return this.#parked;
  }

  get status(): CopyStatusRecord {
    return this.#status;
  }

  start(): void {
    void this.#run().catch((error) => this.#log.error({ err: error }, `supervisor for ${this.copy.id} failed`));
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  #publish(changes: Partial<CopyStatusRecord> & { phase: CopyPhase }): Promise<void> {
    this.#status = { ...this.#status, ...changes, since: changes.phase !== this.#status.phase ? this.#deps.clock.now() : this.#status.since };
    if (!this.#stopping || changes.phase === "Stopping") return Promise.resolve(this.#deps.onStatus(this.#status));
    return Promise.resolve();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const outcome = await this.#attempt();
      if (this.#stopping) break;
      if (outcome.terminal) {
        this.#publish({ phase: "Failed", lastError: outcome.error, terminal: true, pid: undefined });
        this.#log.error(`copy ${this.copy.id} cannot start: ${outcome.error}`);
        return;
      }
      const served = outcome.readyAt === undefined ? 0 : this.#deps.clock.now() - outcome.readyAt;
      failures = served >= this.#deps.timings.backoffResetMs ? 1 : failures + 1;
      const backoff = Math.min(this.#deps.timings.backoffMaxMs, this.#deps.timings.backoffMinMs * 2 ** (failures - 1));
      this.#publish({ phase: "Starting", lastError: outcome.error, restarts: this.#status.restarts + 1, pid: undefined });
      this.#log.warn(`copy ${this.copy.id}: ${outcome.error}; restarting in ${Math.round(backoff / 1000)} s`);
      await this.#pause(backoff);
    }
  }

  async #attempt(): Promise<Outcome> {
    const spec = this.copy.spec;
    let modelDir: string | undefined;
    if (spec.artifactUrl) {
      this.#publish({ phase: "Downloading" });
      try {
        modelDir = await this.#deps.artifacts.ensure(spec.artifactUrl, { timeoutMs: spec.downloadTimeoutSeconds * 1000, holder: this.#deps.artifactHolder });
      } catch (error) {
        return { error: (error as Error).message, terminal: error instanceof ArtifactError && error.terminal };
      }
    }
    if (this.#stopping) {
      // The agent may have released this copy's artifacts while the fetch was under way.
      if (modelDir !== undefined) this.#deps.artifacts.release(this.#deps.artifactHolder);
      return { error: "stopped" };
    }
    const image = await this.#deps.resolveImage(spec.image);
    if (!image.ok) return { error: image.reason, terminal: true };
    this.#parkable = image.kind === "process" && image.parkable;
    this.#sleep = image.kind === "process" ? image.sleep : undefined;
    if (this.#stopping) return { error: "stopped" };
    const adopted = this.#adopt;
    if (adopted) {
      // Taken once: a later restart starts a process of its own.
      this.#adopt = undefined;
      adopted.leave();
      if (adopted.engine.alive && (await this.#woke(adopted))) return this.#serve(adopted.engine, adopted);
      await adopted.engine.release();
    }
    if (image.kind === "container") {
      this.#publish({ phase: "Downloading" });
      try {
        await image.containers.ensureImage(image.image);
      } catch (error) {
        return { error: (error as Error).message, terminal: error instanceof ImageUnavailableError };
      }
      if (this.#stopping) return { error: "stopped" };
    }
    await this.#deps.parking?.lot.makeRoom(spec.needs.memoryMiB * 1024 * 1024);
    const port = await this.#deps.ports.allocate();
    let prepared: PreparedCopy | undefined;
    try {
      prepared = image.kind === "process" ? await this.#prepareProcess(port, modelDir, image) : await this.#prepareContainer(port, modelDir, image);
    } catch (error) {
      await prepared?.release().catch(() => undefined);
      this.#deps.ports.release(port);
      return { error: `the copy could not be started: ${(error as Error).message}` };
    }
    return this.#spawn(port, prepared);
  }

  /** The copy's own environment and Berth's contract variables, as every kind of copy receives them. */
  #contractEnvironment(base: Record<string, string>): Record<string, string> {
    return { ...base, ...shareEnvironment(this.copy, this.#deps.devices, this.#deps.mps), BERTH_COPY_ID: this.copy.id };
  }

  async #prepareProcess(port: number, modelDir: string | undefined, image: ProcessImage): Promise<PreparedCopy> {
    const spec = this.copy.spec;
    const { sandbox } = this.#deps;
    const devices = visibleDeviceIds(this.copy, this.#deps.devices).join(",");
    const vetted = vetProcessEnvironment(spec.environment);
    if (vetted.dropped.length > 0)
      this.#log.warn(`copy ${this.copy.id}: not passing environment variable(s) ${vetted.dropped.join(", ")} to a process on the host`);
    const environment = this.#contractEnvironment({
      ...vetted.kept,
      SAGEMAKER_BIND_TO_PORT: String(port),
      SAGEMAKER_SAFE_PORT_RANGE: `${port}-${port}`,
      CUDA_VISIBLE_DEVICES: devices,
      NVIDIA_VISIBLE_DEVICES: devices === "" ? "void" : devices,
      BERTH_EXIT_ON_STDIN_CLOSE: "1",
      BERTH_ADAPTERS_DIR: this.#adaptersDir,
      ...(modelDir ? { BERTH_MODEL_DIR: modelDir, SM_MODEL_DIR: modelDir } : {}),
    });
    const limits = await applyLimits(this.#deps.limitsMode, {
      name: this.copy.id,
      memoryMaxMiB: spec.maxMemoryMiB,
      cpuCores: spec.needs.cpuMillis > 0 ? spec.needs.cpuMillis / 1000 : undefined,
    });
    try {
      const launch = image.launch({ port, modelDir, environment });
      const confined = sandbox.wrap(launch.command, launch.args);
      const wrapped = limits.wrap(confined.command, confined.args);
      return {
        ...wrapped,
        env: { ...sandbox.processBase(await sandbox.files.freshScratch(this.copy.id)), ...launch.env },
        describe: `${image.describe}, as ${sandbox.identity.describe}`,
        limits: { memory: limits.memory, cpu: limits.cpu },
        release: () => limits.release(),
      };
    } catch (error) {
      await limits.release();
      throw error;
    }
  }

  /**
   * A container has its own network namespace, so it listens on the contract's 8080 there; its devices
   * are the only ones the engine exposes to it, so no device list is passed in its environment.
   */
  async #prepareContainer(port: number, modelDir: string | undefined, image: ContainerImage): Promise<PreparedCopy> {
    const spec = this.copy.spec;
    // A modelled device has no GPU behind it for the engine to expose.
    const gpus = this.#deps.devices.filter((d) => d.source === "nvidia" && this.copy.devices.includes(d.index));
    if (gpus.length < this.copy.devices.length) {
      const modelled = this.copy.devices.filter((index) => !gpus.some((g) => g.index === index));
      this.#log.info(`copy ${this.copy.id}: device(s) ${modelled.join(", ")} are modelled, so its container gets no GPU for them`);
    }
    const environment = this.#contractEnvironment({
      // Serving containers (TGI, LMI) shard a model over SM_NUM_GPUS; the copy's own setting wins.
      ...(gpus.length > 0 ? { SM_NUM_GPUS: String(gpus.length) } : {}),
      ...withoutUnpassable(spec.environment),
      SAGEMAKER_BIND_TO_PORT: String(containerPort),
      ...(modelDir ? { SM_MODEL_DIR: "/opt/ml/model" } : {}),
    });
    const cpuCores = spec.needs.cpuMillis > 0 ? spec.needs.cpuMillis / 1000 : undefined;
    // The reservation the copy was placed with bounds it, unless MaxMemoryRequiredInMb allows more.
    const memoryLimitMiB = spec.maxMemoryMiB ?? (spec.needs.memoryMiB > 0 ? spec.needs.memoryMiB : undefined);
    const launch = await image.containers.launch(
      image.image,
      {
        copyId: this.copy.id,
        endpointName: this.copy.endpointName,
        ownerName: this.copy.owner.type === "component" ? this.copy.owner.name : this.copy.owner.variant,
        agentLabel: this.#deps.sandbox.agentLabel,
        hostPort: port,
        modelDir,
        devices: gpus,
        memoryLimitMiB,
        cpuCores,
      },
      environment,
    );
    const wrapped = this.#deps.sandbox.wrapClient(launch.command, launch.args);
    const engine = image.containers.engine.kind;
    return {
      ...wrapped,
      env: this.#deps.sandbox.containerClientBase(),
      describe: image.describe,
      limits: {
        memory: memoryLimitMiB ? `${memoryLimitMiB} MiB (${engine})` : "none",
        cpu: cpuCores ? `${cpuCores} cores (${engine})` : "none",
      },
      memoryLimitMiB,
      cwd: launch.cwd,
      stop: launch.stop,
      explain: runFailureAdvice,
      release: launch.cleanUp,
    };
  }

  async #spawn(port: number, prepared: PreparedCopy): Promise<Outcome> {
    const release = async () => {
      await prepared.release().catch((error) => this.#log.warn({ err: error }, `could not clean up after copy ${this.copy.id}`));
      this.#deps.ports.release(port);
    };
    if (this.#stopping) {
      await release();
      return { error: "stopped" };
    }
    let engine: EngineProcess;
    try {
      const child = spawn(prepared.command, prepared.args, { env: prepared.env, cwd: prepared.cwd, stdio: ["pipe", "pipe", "pipe"] });
      const startedBy = this.copy.id;
      engine = new EngineProcess(child, {
        port,
        prepared,
        startedBy,
        sink: () => undefined,
        release: async () => {
          await release();
          await this.#deps.sandbox.files.removeScratch(startedBy).catch(() => undefined);
        },
      });
    } catch (error) {
      await release();
      return { error: `the process could not be started: ${(error as Error).message}`, terminal: true };
    }
    return this.#serve(engine);
  }

  /** Waits for the engine's /ping, then checks it while it serves; `adopted` when it is a parked engine taken over. */
  async #serve(engine: EngineProcess, adopted?: ParkedEngine): Promise<Outcome> {
    this.#engine = engine;
    engine.attach(
      (stream, text) => {
        this.#logOutput(stream, text);
        this.#deps.onOutput?.(stream, text);
      },
      () => this.#wake?.(),
    );
    try {
      return await this.#watch(engine, adopted);
    } finally {
      // A copy being stopped leaves its engine to #stop, which parks or stops it.
      if (!this.#stopping) {
        await engine.kill(this.#deps.timings.stopGraceMs, this.#deps.clock, this.#log, `copy ${this.copy.id}`);
        await engine.release();
        this.#engine = undefined;
      }
    }
  }

  async #watch(engine: EngineProcess, adopted?: ParkedEngine): Promise<Outcome> {
    const { port, prepared } = engine;
    const devices = this.copy.devices.join(",");
    // The PID is stored before the copy can serve, so a restarted agent can always find it.
    await this.#publish({ phase: "Starting", port, pid: engine.pid, limits: prepared.limits, lastError: this.#status.lastError });
    if (adopted)
      this.#log.info(
        `copy ${this.copy.id} took over the parked engine of copy ${adopted.parkedBy} (${prepared.describe}, pid ${engine.pid}, port ${port}, parked ${Math.round((this.#deps.clock.now() - adopted.parkedAt) / 1000)} s): no new process`,
      );
    else
      this.#log.info(
        `copy ${this.copy.id} started (${prepared.describe}, pid ${engine.pid}, port ${port}, devices [${devices}], memory ${prepared.limits.memory}, cpu ${prepared.limits.cpu})`,
      );

    const startupMs = this.copy.spec.startupTimeoutSeconds * 1000;
    const deadline = this.#deps.clock.now() + startupMs;
    let ready = false;
    let lastPing: string | undefined;
    while (!this.#stopping && engine.alive && this.#deps.clock.now() < deadline) {
      const result = await ping(port);
      if (result.ok) {
        ready = true;
        break;
      }
      lastPing = result.detail;
      await this.#pause(this.#deps.timings.pingIntervalMs);
    }
    if (this.#stopping) return { error: "stopped" };
    if (!ready) {
      const exitText = engine.exitText;
      await engine.kill(this.#deps.timings.stopGraceMs, this.#deps.clock, this.#log, `copy ${this.copy.id}`);
      const advice = prepared.explain?.(engine.output);
      const tail = (engine.output.length > 0 ? ` Last output: ${engine.output.slice(-3).join(" | ")}` : "") + (advice ? ` To fix: ${advice}` : "");
      if (exitText) return { error: `${exitText} before passing /ping.${tail}` };
      return { error: `${this.#notReady(lastPing, prepared)}${tail}` };
    }
    const readyAt = this.#deps.clock.now();
    this.#publish({ phase: "Ready" });
    this.#log.info(`copy ${this.copy.id} is ready on port ${port}`);
    let misses = 0;
    while (!this.#stopping && engine.alive) {
      await this.#pause(misses > 0 ? this.#deps.timings.livenessRetryMs : this.#deps.timings.livenessIntervalMs);
      if (this.#stopping || !engine.alive) break;
      const result = await ping(port);
      misses = result.ok ? 0 : misses + 1;
      if (misses > 0 && misses < this.#deps.timings.livenessFailures)
        this.#log.warn(
          `copy ${this.copy.id} missed health check ${misses} of ${this.#deps.timings.livenessFailures} (${result.detail}); checking again in ${this.#deps.timings.livenessRetryMs} ms`,
        );
      if (misses >= this.#deps.timings.livenessFailures) {
        await engine.kill(this.#deps.timings.stopGraceMs, this.#deps.clock, this.#log, `copy ${this.copy.id}`);
        return { error: `it failed ${misses} health checks in a row (${result.detail}).`, readyAt };
      }
    }
    if (this.#stopping) return { error: "stopped" };
    await engine.exited;
    const tail = engine.output.length > 0 ? ` Last output: ${engine.output.slice(-3).join(" | ")}` : "";
    return { error: `${engine.exitText} while serving.${tail}`, readyAt };
  }

  /** Why a copy that is still running did not become ready: what /ping last answered, and what to change. */
  #notReady(lastPing: string | undefined, prepared: PreparedCopy): string {
    const seconds = this.copy.spec.startupTimeoutSeconds;
    const where = prepared.stop ? ` on port ${containerPort} of all its addresses (0.0.0.0; SAGEMAKER_BIND_TO_PORT says which)` : "";
    return (
      `it did not pass GET /ping within ${seconds} s (last try: ${lastPing ?? "none"}). ` +
      `Its server must answer GET /ping with 200${where}; if the model takes longer than ${seconds} s to load, raise ContainerStartupHealthCheckTimeoutInSeconds.`
    );
  }

  /**
   * A line of the copy's output into the server log, within the copy's output budget: a process that writes
   * without pause would otherwise outrun the log writer, whose backlog grows in memory without bound.
   */
  #logOutput(stream: "stdout" | "stderr", text: string): void {
    const admitted = this.#outputBudget.admit(this.#deps.clock.now(), Buffer.byteLength(text));
    if (admitted.firstDropped) {
      const { bytesPerSecond, burstBytes } = this.#outputBudget.limits;
      this.#log.warn(
        `copy ${this.copy.id} writes output faster than the server log takes from one copy (${Math.round(bytesPerSecond / 1024)} KiB/s, bursts of ${Math.round(burstBytes / 1024)} KiB); ` +
          `its lines are left out of this log until it slows down, and counted. 'berth logs ${this.copy.owner.type === "component" ? this.copy.owner.name : this.copy.endpointName}' still shows its last lines.`,
      );
    }
    if (!admitted.log) return;
    if (admitted.dropped)
      this.#log.warn(
        `copy ${this.copy.id}: ${admitted.dropped.lines} line(s) of its output (${admitted.dropped.bytes} bytes) were left out of this log: it wrote faster than ${Math.round(this.#outputBudget.limits.bytesPerSecond / 1024)} KiB/s`,
      );
    this.#log.info({ stream }, `[${this.copy.id}] ${text}`);
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#deps.clock.setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        this.#deps.clock.clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** An engine that frees its accelerator memory only when asked is put to sleep before it is parked; false: it is stopped instead. */
  async #sleptBeforeParking(engine: EngineProcess): Promise<boolean> {
    if (!this.#sleep || !engine.alive) return engine.alive;
    const answer = await callEngine(engine.port, this.#sleep.sleepPath, this.copy.spec.startupTimeoutSeconds * 1000);
    if (!answer.ok) this.#log.warn(`copy ${this.copy.id}: its engine (pid ${engine.pid}) is not parked: it did not go to sleep (${answer.detail})`);
    return answer.ok;
  }

  /** Wakes a parked engine that was put to sleep; false (and the engine stopped) when it does not wake: the copy starts a process of its own. */
  async #woke(adopted: ParkedEngine): Promise<boolean> {
    if (!this.#sleep) return true;
    const { engine } = adopted;
    const answer = await callEngine(engine.port, this.#sleep.wakePath, this.copy.spec.startupTimeoutSeconds * 1000);
    if (answer.ok) return true;
    this.#log.warn(
      `copy ${this.copy.id}: the parked engine of copy ${adopted.parkedBy} (pid ${engine.pid}) did not wake (${answer.detail}); starting a new process`,
    );
    await engine.kill(this.#deps.timings.stopGraceMs, this.#deps.clock, this.#log, `parked engine ${engine.pid}`);
    return false;
  }

  async #stop(): Promise<void> {
    const wasReady = this.#status.phase === "Ready";
    this.#stopping = true;
    // The caller forgets the copy's status once stop() resolves: the Stopping write must have landed by then,
    // or it would bring the status back after that delete, and the controller would wait on it for ever.
    const stoppingRecorded = this.#publish({ phase: "Stopping" });
    this.#wake?.();
    if (wasReady) await this.#deps.drain(this.copy.id, this.#deps.timings.drainTimeoutMs);
    // Read together: from here on #attempt neither takes over the parked engine nor starts a process.
    const engine = this.#engine;
    const unused = this.#adopt;
    this.#adopt = undefined;
    const parking = this.#deps.parking;
    this.#parked =
      wasReady &&
      this.#parkable &&
      engine !== undefined &&
      parking !== undefined &&
      (await this.#sleptBeforeParking(engine)) &&
      parking.lot.park(parking, engine, this.copy.id, this.adaptersDir);
    if (!this.#parked && engine) {
      await engine.kill(this.#deps.timings.stopGraceMs, this.#deps.clock, this.#log, `copy ${this.copy.id}`);
      await engine.release();
    }
    // A parked engine's scratch dir goes with the engine.
    if (!this.#parked) await this.#deps.sandbox.files.removeScratch(this.copy.id).catch(() => undefined);
    // An engine handed to this copy that it never used is stopped here.
    if (unused) {
      unused.leave();
      await unused.engine.kill(this.#deps.timings.stopGraceMs, this.#deps.clock, this.#log, `parked engine ${unused.engine.pid}`);
      await unused.engine.release();
    }
    await stoppingRecorded;
    this.#log.info(`copy ${this.copy.id} stopped`);
  }
}

function withoutUnpassable(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter(([k, v]) => !k.includes("\0") && !k.includes("=") && !v.includes("\0")));
}
