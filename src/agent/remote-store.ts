import type { CopyStatusRecord } from "../domain/resources.js";
import type { ScopedEntry, ScopedEvent, StatusOp, StatusResponse, WatchMessage } from "../cluster/agent-api/protocol.js";
import type { BerthRecords, BerthStore, ChangeEvent, Entry, HostArtifactsRecord } from "../state/records.js";
import { StoreConflictError, type ChangeListener, type ListOptions, type Op } from "../store/store.js";
import type { Logger } from "../util/logger.js";
import { describe, type ReplicaAnswer, type ReplicaClient } from "./remote/replica-client.js";

export interface RemoteStoreOptions {
  client: ReplicaClient;
  agentId: string;
  agentKey: string;
  log: Logger;
  /** Rewrites a status before it is reported (the proxy puts its own address in). */
  reportStatus: (status: CopyStatusRecord) => CopyStatusRecord;
  forgetStatus: (copyId: string) => void;
}

/** A replica that stays silent this long (no ping) is dropped for another. */
const silenceMs = 3_500;

/**
 * The store as a remote agent sees it: a view of the entries of its own instances, kept by the
 * replicas' watch stream and read locally, with status writes sent to a replica. Each (re)connect
 * starts with a snapshot that replaces the view, so moving to another replica loses no change.
 */
export class RemoteStoreView implements BerthStore {
  readonly #options: RemoteStoreOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<ChangeListener>();
  #revision = 0;
  #closed = false;
  #abort?: AbortController;
  #loop?: Promise<void>;

  constructor(options: RemoteStoreOptions) {
    this.#options = options;
  }

  /** Starts following the agent's scope; resolves once the first snapshot is in. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      let connected = false;
      this.#loop = this.#follow(() => {
        connected = true;
        resolve();
      }).then(() => {
        if (!connected) reject(new Error("the store view was closed before its first snapshot"));
      });
    });
  }

  async get<K extends keyof BerthRecords & string>(kind: K, key: string): Promise<Entry<BerthRecords[K]> | undefined> {
    return this.#entries.get(id(kind, key)) as Entry<BerthRecords[K]> | undefined;
  }

  async list<K extends keyof BerthRecords & string>(kind: K, options: ListOptions = {}): Promise<Entry<BerthRecords[K]>[]> {
    const prefix = options.prefix ?? "";
    return [...this.#entries.values()]
      .filter((e) => e.kind === kind && e.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) as Entry<BerthRecords[K]>[];
  }

  async commit(ops: Op[]): Promise<number> {
    const statusOps = ops.map((op): StatusOp => {
      if (op.kind === "host-artifacts" && op.type === "put")
        return { type: "put", kind: "host-artifacts", key: op.key, value: op.value as HostArtifactsRecord };
      if (op.kind !== "copy-status" || op.type === "check")
        throw new Error(`an agent writes only copy statuses and its host's artifacts, not ${op.type} ${op.kind}/${op.key}`);
      if (op.type === "delete") {
        this.#options.forgetStatus(op.key.slice(op.key.indexOf("/") + 1));
        return { type: "delete", kind: "copy-status", key: op.key };
      }
      return { type: "put", kind: "copy-status", key: op.key, value: this.#options.reportStatus(op.value as CopyStatusRecord) };
    });
    const { agentId, agentKey, client } = this.#options;
    // A status is written once per change: one that no replica could take is sent again (in order, as the
    // node agent waits), until this view is closed.
    let answer: ReplicaAnswer<StatusResponse & { message?: string }> | undefined;
    for (let attempt = 0; !answer; attempt++) {
      try {
        answer = await client.call("POST", `/berth/v1/agents/${agentId}/status`, { bearer: agentKey, body: { ops: statusOps } });
        if (answer.status === 503 && !this.#closed) answer = undefined;
      } catch (error) {
        if (this.#closed) throw error;
      }
      if (!answer) await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5))));
    }
    if (answer.status === 200) return answer.body.revision;
    if (answer.status === 409) throw new StoreConflictError("copy-status", ops[0]!.key, { present: true });
    throw new Error(`${answer.server} refused the status write (${answer.status}): ${answer.body?.message ?? "no message"}`);
  }

  watch(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async revision(): Promise<number> {
    return this.#revision;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#abort?.abort();
    await this.#loop;
  }

  async #follow(connected: () => void): Promise<void> {
    const { client, agentId, agentKey, log } = this.#options;
    let failures = 0;
    while (!this.#closed) {
      const abort = (this.#abort = new AbortController());
      let silence: NodeJS.Timeout | undefined;
      const heard = () => {
        clearTimeout(silence);
        silence = setTimeout(() => abort.abort(new Error(`no word for ${silenceMs} ms`)), silenceMs);
      };
      try {
        heard();
        const { server, body } = await client.stream(`/berth/v1/agents/${agentId}/watch`, agentKey, abort.signal);
        if (failures > 0) log.info(`following the store again through ${server}`);
        failures = 0;
        for await (const message of lines(body)) {
          heard();
          this.#apply(message);
          if (message.type === "snapshot") connected();
        }
        throw new Error("the server ended the stream");
      } catch (error) {
        if (this.#closed) break;
        if (failures++ === 0)
          log.warn(`lost the store's watch stream (${describe(abort.signal.reason ?? error)}); reconnecting to ${client.servers.join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** Math.min(failures, 5))));
      } finally {
        clearTimeout(silence);
      }
    }
  }

  #apply(message: WatchMessage): void {
    if (message.type === "ping") return;
    const events = message.type === "snapshot" ? this.#replace(message.entries, message.revision) : message.events.map((e) => this.#event(e));
    this.#revision = Math.max(this.#revision, message.revision);
    if (events.length === 0) return;
    for (const listener of this.#listeners) listener(events);
  }

  #event(event: ScopedEvent): ChangeEvent {
    const key = id(event.kind, event.key);
    if (event.type === "delete") this.#entries.delete(key);
    else {
      const previous = this.#entries.get(key);
      this.#entries.set(key, {
        kind: event.kind,
        key: event.key,
        value: event.value,
        createRevision: previous?.createRevision ?? event.revision,
        modRevision: event.revision,
      });
    }
    return event;
  }

  /** Swaps the view for a snapshot and answers the changes between them as events. */
  #replace(entries: ScopedEntry[], revision: number): ChangeEvent[] {
    const events: ChangeEvent[] = [];
    const next = new Map(entries.map((e) => [id(e.kind, e.key), e as Entry]));
    for (const [key, old] of this.#entries) if (!next.has(key)) events.push({ type: "delete", kind: old.kind, key: old.key, value: old.value, revision });
    for (const [key, entry] of next) {
      if (this.#entries.get(key)?.modRevision !== entry.modRevision)
        events.push({ type: "put", kind: entry.kind, key: entry.key, value: entry.value, revision });
    }
    this.#entries.clear();
    for (const [key, entry] of next) this.#entries.set(key, entry);
    return events;
  }
}

function id(kind: string, key: string): string {
  return `${kind}\u0000${key}`;
}

async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<WatchMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim() !== "") yield JSON.parse(line) as WatchMessage;
    }
  }
}
