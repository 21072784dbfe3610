import { addResources, zeroResources, type Resources } from "../domain/compute.js";
import type { ComponentRecord, CopyRecord, CopyStatusRecord, InstanceRecord } from "../domain/resources.js";
import { type BerthRecords, type BerthStore, type ChangeEvent, type Entry, type Kind } from "../state/records.js";
import type { Logger } from "../util/logger.js";
import type { ComponentInfo, CopyProcess, MetricSources, VariantInfo, VariantReservation } from "../metrics/sources.js";

const relevant = new Set(["inference-component", "instance", "copy", "copy-status"]);

interface Snapshot {
  components: ComponentInfo[];
  variants: VariantInfo[];
  copyProcesses: CopyProcess[];
  reservations: VariantReservation[];
}

interface VariantTotals {
  endpointName: string;
  variantName: string;
  instances: number;
  capacity: Resources;
  reserved: Resources;
}

const empty: Snapshot = { components: [], variants: [], copyProcesses: [], reservations: [] };

/**
 * The store-backed sources of the recorder and the utilization sampler: a snapshot of components,
 * instances, copies and copy statuses, rebuilt when those records change (bursts coalesce into one
 * rebuild). The sources are synchronous reads of the last snapshot.
 */
export class StoreSources implements Omit<MetricSources, "copyLoads"> {
  readonly #store: BerthStore;
  readonly #log: Logger;
  #snapshot: Snapshot = empty;
  #unwatch?: () => void;
  #scheduled = false;
  #running?: Promise<void>;
  #again = false;

  constructor(options: { store: BerthStore; log: Logger }) {
    this.#store = options.store;
    this.#log = options.log;
  }

  async start(): Promise<void> {
    this.#unwatch = this.#store.watch((events) => this.#onChanges(events));
    await this.refresh(true);
  }

  stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  components = (): ComponentInfo[] => this.#snapshot.components;
  variants = (): VariantInfo[] => this.#snapshot.variants;
  copyProcesses = (): CopyProcess[] => this.#snapshot.copyProcesses;
  reservations = (): VariantReservation[] => this.#snapshot.reservations;

  /** Rebuilds the snapshot; `fresh` reads the store itself rather than its watch mirror (at start, or after a commit of the caller's own). */
  async refresh(fresh = false): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          const [components, instances, copies, statuses] = await Promise.all([
            this.#list("inference-component", fresh),
            this.#list("instance", fresh),
            this.#list("copy", fresh),
            this.#list("copy-status", fresh),
          ]);
          this.#snapshot = buildSnapshot(
            components.map((e) => e.value),
            instances.map((e) => e.value),
            copies.map((e) => e.value),
            statuses.map((e) => e.value),
          );
        } catch (error) {
          this.#log.warn({ err: error }, "reading the store for metrics failed; keeping the last snapshot");
        }
      } while (this.#again && this.#unwatch);
    })();
    try {
      await this.#running;
    } finally {
      this.#running = undefined;
    }
  }

  /** Rebuilt on every watch event, so it reads the store's own mirror where it keeps one (etcd): no round trip per event. */
  #list<K extends Kind>(kind: K, fresh: boolean): Promise<Entry<BerthRecords[K]>[]> {
    return this.#store.listCached && !fresh ? this.#store.listCached(kind) : this.#store.list(kind);
  }

  #onChanges(events: ChangeEvent[]): void {
    if (!events.some((e) => relevant.has(e.kind)) || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.refresh();
    });
  }
}

export function buildSnapshot(components: ComponentRecord[], instances: InstanceRecord[], copies: CopyRecord[], statuses: CopyStatusRecord[]): Snapshot {
  const statusOf = new Map(statuses.map((s) => [s.copyId, s]));
  const ready = (copy: CopyRecord) => copy.state === "Active" && statusOf.get(copy.id)?.phase === "Ready";
  const readyByComponent = new Map<string, number>();
  for (const copy of copies) {
    if (copy.owner.type !== "component" || !ready(copy)) continue;
    const key = copy.owner.name.toLowerCase();
    readyByComponent.set(key, (readyByComponent.get(key) ?? 0) + 1);
  }
  const componentInfos: ComponentInfo[] = components.map((c) => ({
    name: c.name,
    endpointName: c.endpointName,
    variantName: c.variantName,
    desiredCopies: c.status === "Deleting" ? 0 : c.desiredCopyCount,
    readyCopies: readyByComponent.get(c.name.toLowerCase()) ?? 0,
  }));

  const nameOf = new Map(componentInfos.map((c) => [c.name.toLowerCase(), c.name]));
  const variants = new Map<string, VariantTotals>();
  const variantOfInstance = new Map<string, VariantTotals>();
  for (const instance of instances) {
    if (instance.state === "Pending") continue;
    const key = `${instance.endpointName.toLowerCase()}\u0000${instance.variantName}`;
    let v = variants.get(key);
    if (!v) {
      v = { endpointName: instance.endpointName, variantName: instance.variantName, instances: 0, capacity: zeroResources, reserved: zeroResources };
      variants.set(key, v);
    }
    v.instances++;
    v.capacity = addResources(v.capacity, instance.capacity);
    variantOfInstance.set(instance.id, v);
  }
  const copyProcesses: CopyProcess[] = [];
  for (const copy of copies) {
    const v = variantOfInstance.get(copy.instanceId);
    if (v) v.reserved = addResources(v.reserved, copy.resources);
    const status = statusOf.get(copy.id);
    if (status?.pid && status.phase === "Ready") {
      copyProcesses.push({
        copyId: copy.id,
        componentName: copy.owner.type === "component" ? (nameOf.get(copy.owner.name.toLowerCase()) ?? copy.owner.name) : undefined,
        endpointName: copy.endpointName,
        variantName: copy.variantName,
        pid: status.pid,
        cpuCores: copy.resources.cpuMillis / 1000,
        memoryMiB: copy.resources.memoryMiB,
      });
    }
  }
  return {
    components: componentInfos,
    variants: [...variants.values()].map((v) => ({ endpointName: v.endpointName, variantName: v.variantName, instances: v.instances })),
    copyProcesses,
    reservations: [...variants.values()].map((v) => ({ endpointName: v.endpointName, variantName: v.variantName, reserved: v.reserved, capacity: v.capacity })),
  };
}
