import type { CopyRecord, DeviceInfo } from "../domain/resources.js";
import { parkedEngineKey } from "../domain/parked-engine-key.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { visibleDeviceIds } from "./accelerator-env.js";
import type { EngineProcess } from "./engine-process.js";
import { availableMemoryBytes, residentBytes } from "./process-memory.js";

/** How a copy's engine may be parked when the copy stops, and what a later copy must match to take it over. */
export interface ParkingTicket {
  lot: ParkedEngines;
  /** Everything the running process was started with but its port and copy id: only an equal copy reuses it. */
  identity: string;
  /** What the host reports to placement (src/domain/parked-engine-key.ts). */
  placementKey: string;
  /** The copy's device indices on the host, reported with the key: a copy placed on them can take the engine over. */
  devices: readonly number[];
  /** Called once the engine leaves the lot (taken over, evicted or exited): what the parked copy held is given back. */
  leave: () => void;
}

export interface ParkedEngine {
  identity: string;
  placementKey: string;
  devices: readonly number[];
  engine: EngineProcess;
  /** The copy whose stop parked it. */
  parkedBy: string;
  adaptersDir: string;
  residentBytes: number;
  parkedAt: number;
  leave: () => void;
}

/** The match key of a copy's engine: its owner, specification (image, artifact, environment, limits) and devices. */
export function parkingIdentity(copy: CopyRecord, devices: readonly DeviceInfo[]): { identity: string; placementKey: string; devices: readonly number[] } {
  const { startupTimeoutSeconds, downloadTimeoutSeconds, strategy, ...spec } = copy.spec;
  (void startupTimeoutSeconds, void downloadTimeoutSeconds, void strategy);
  const placementKey = parkedEngineKey(copy.endpointName, copy.owner, copy.spec);
  const identity = JSON.stringify({ placementKey, spec, share: copy.share ?? null, devices: visibleDeviceIds(copy, devices) });
  return { identity, placementKey, devices: copy.devices };
}

const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

/**
 * Engines kept running after their copy stopped (scale-in, scale to zero), so the next copy of the same
 * version on this host takes the process over instead of starting one: no process start, no model load.
 * A parked engine is no copy: the router never sees it and placement reserves nothing for it. Their
 * resident memory counts against artifacts.parkedEnginesMb; the least recently parked goes first when
 * the budget is exceeded, or when a copy starting a new process needs memory the host does not have.
 */
export class ParkedEngines {
  readonly budgetBytes: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #onChange: () => void;
  /** Oldest first: the order of eviction. */
  readonly #parked: ParkedEngine[] = [];
  readonly #ending = new Set<Promise<void>>();
  #closed = false;

  constructor(options: { budgetMb: number; clock: Clock; log: Logger; graceMs: number; onChange: () => void }) {
    this.budgetBytes = options.budgetMb * 1024 * 1024;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#graceMs = options.graceMs;
    this.#onChange = options.onChange;
  }

  /** Keeps a stopped copy's engine; false when it cannot be kept (closing, exited, or larger than the whole budget). */
  park(ticket: ParkingTicket, engine: EngineProcess, copyId: string, adaptersDir: string): boolean {
    const pid = engine.pid;
    if (this.#closed || pid === undefined || !engine.alive) return false;
    const bytes = residentBytes(pid);
    if (bytes > this.budgetBytes) {
      this.#log.info(
        `copy ${copyId}: its engine (pid ${pid}, ${mib(bytes)} MiB resident) is not parked: more than artifacts.parkedEnginesMb (${mib(this.budgetBytes)} MiB)`,
      );
      return false;
    }
    const parked: ParkedEngine = {
      identity: ticket.identity,
      placementKey: ticket.placementKey,
      devices: ticket.devices,
      engine,
      parkedBy: copyId,
      adaptersDir,
      residentBytes: bytes,
      parkedAt: this.#clock.now(),
      leave: ticket.leave,
    };
    this.#parked.push(parked);
    engine.attach(
      (stream, text) => this.#log.info({ stream }, `[parked engine of ${copyId}] ${text}`),
      () => this.#end(parked, "its process exited while parked"),
    );
    this.#log.info(
      `copy ${copyId} stopped; its engine (pid ${pid}, port ${engine.port}, ${mib(bytes)} MiB resident) is parked for the next copy of ${ticket.placementKey}; ${this.#summary()}`,
    );
    while (this.#total() > this.budgetBytes && this.#parked.length > 1)
      this.#end(this.#parked[0]!, "least recently used, to keep parked engines within artifacts.parkedEnginesMb");
    this.#onChange();
    return true;
  }

  /** The most recently parked live engine with this identity, removed from the lot; undefined when there is none. */
  take(identity: string): ParkedEngine | undefined {
    for (let i = this.#parked.length - 1; i >= 0; i--) {
      const parked = this.#parked[i]!;
      if (parked.identity !== identity || !parked.engine.alive) continue;
      this.#parked.splice(i, 1);
      this.#onChange();
      return parked;
    }
    return undefined;
  }

  /** The placement keys of the engines parked here, for the host's report. */
  placementKeys(): string[] {
    return [...new Set(this.#parked.map((p) => p.placementKey))].sort();
  }

  /** Per placement key, the devices of each engine parked under it, the most recently parked first, for the host's report. */
  placementDevices(): Record<string, number[][]> {
    const out = new Map<string, number[][]>();
    for (let i = this.#parked.length - 1; i >= 0; i--) {
      const parked = this.#parked[i]!;
      out.set(parked.placementKey, [...(out.get(parked.placementKey) ?? []), [...parked.devices]]);
    }
    return Object.fromEntries(out);
  }

  /** Stops parked engines, least recently used first, until the host has `bytes` available (a copy is about to start a process). */
  async makeRoom(bytes: number): Promise<void> {
    for (let available = availableMemoryBytes(); available !== undefined && available < bytes && this.#parked.length > 0; available = availableMemoryBytes())
      await this.#end(this.#parked[0]!, `a starting copy needs ${mib(bytes)} MiB and the host has ${mib(available)} MiB available`);
  }

  /** Stops every parked engine and parks no more (the agent is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const parked of [...this.#parked]) this.#end(parked, "the agent is stopping");
    await Promise.all(this.#ending);
  }

  #end(parked: ParkedEngine, why: string): Promise<void> {
    const i = this.#parked.indexOf(parked);
    if (i < 0) return Promise.resolve();
    this.#parked.splice(i, 1);
    const ending = (async () => {
      const pid = parked.engine.pid;
      await parked.engine.kill(this.#graceMs, this.#clock, this.#log, `parked engine ${pid}`);
      await parked.engine.release().catch((error) => this.#log.warn({ err: error }, `could not clean up after parked engine ${pid}`));
      parked.leave();
      this.#log.info(`stopped the parked engine of copy ${parked.parkedBy} (pid ${pid}, ${mib(parked.residentBytes)} MiB): ${why}; ${this.#summary()}`);
      this.#onChange();
    })();
    this.#ending.add(ending);
    void ending.finally(() => this.#ending.delete(ending));
    return ending;
  }

  #total(): number {
    return this.#parked.reduce((sum, p) => sum + p.residentBytes, 0);
  }

  #summary(): string {
    return `${this.#parked.length} parked, ${mib(this.#total())} of ${mib(this.budgetBytes)} MiB`;
  }
}
