import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry } from "cockatiel";
import { Etcd3, isRecoverableError, type IKeyValue, type IRequestOp, type Watcher } from "etcd3";
import type { Logger } from "../util/logger.js";
import {
  StoreConflictError,
  StoreRequestTooLargeError,
  StoreUnavailableError,
  type ChangeEvent,
  type ChangeListener,
  type Entry,
  type Expectation,
  type Kind,
  type Leases,
  type ListOptions,
  type Op,
  type Store,
} from "./store.js";

export interface EtcdStoreOptions {
  /** Client URLs or host:port of the etcd members, e.g. ["10.0.0.1:2379", "10.0.0.2:2379"]. */
  endpoints: string[];
  /** Every entry lives under this key prefix, so several Berth clusters (or tests) can share one etcd. */
  prefix?: string;
  log?: Logger;
  /** Deadline of one unary call; a write in flight when an etcd leader dies would otherwise wait ~5 s. */
  callTimeoutMs?: number;
}

interface Mirrored {
  value: unknown;
  createRevision: number;
  modRevision: number;
}

const defaultPrefix = "/berth/";

/**
 * The cluster store: entries at `<prefix><kind>/<key>` in etcd, one commit per etcd transaction (its
 * compares carry the expectations), revisions are etcd's. One prefix watch feeds every listener; it
 * resumes from its last revision when a member or the connection drops, and after compaction it lists
 * the prefix again and reports the difference against its mirror of what it has delivered.
 */
export class EtcdStore<Records extends object = Record<string, unknown>> implements Store<Records> {
  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #log?: Logger;
  readonly #endpoints: string[];
  readonly #listeners = new Set<ChangeListener>();
  /** Every entry as the watch last delivered it, by kind then path: listeners' cached reads come from here. */
  readonly #mirror = new Map<Kind, Map<string, Mirrored>>();
  #watcher?: Watcher;
  #closed = false;
  readonly leases: Leases;

  private constructor(options: EtcdStoreOptions) {
    this.#endpoints = options.endpoints;
    this.#prefix = options.prefix ?? defaultPrefix;
    this.#log = options.log;
    const callTimeoutMs = options.callTimeoutMs ?? 1000;
    this.#client = new Etcd3({
      hosts: options.endpoints.map((e) => (e.includes("://") ? e : `http://${e}`)),
      dialTimeout: 1000,
      // gRPC's default cap on a received message is 4 MiB, and a list of the whole prefix (a replica's start, a
      // watch resync) or a watch response grows with the cluster's records: past 4 MiB every replica would fail
      // to start. etcd bounds what is written (--max-request-bytes); the replica holds every entry in memory anyway.
      grpcOptions: { "grpc.max_receive_message_length": -1 },
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      faultHandling: {
        // The library waits 5 s before trying a failed member again; a short window keeps failover quick.
        // A message too large for etcd is RESOURCE_EXHAUSTED, which the library counts as a failing member: sent
        // again it fails again, and three of them would open the breaker for every call (lease renewals included).
        host: () => circuitBreaker(handleWhen(isMemberFailure), { halfOpenAfter: 300, breaker: new ConsecutiveBreaker(3) }),
        global: retry(handleWhen(isMemberFailure), { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) }),
        // etcd3 1.1.2 types this against an older cockatiel; the factory has the next() it calls.
        watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) as never,
      },
    });
    this.leases = {
      grant: (ttlSeconds) => this.#call("grant a lease", async () => (await this.#client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 })).ID),
      renew: (leaseId) => this.#call("renew a lease", () => this.#renew(leaseId)),
      revoke: (leaseId) =>
        this.#call("revoke a lease", async () => {
          try {
            await this.#client.leaseClient.leaseRevoke({ ID: leaseId });
          } catch (error) {
            if (!/requested lease not found/.test((error as Error).message)) throw error;
          }
        }),
    };
  }

  /** Connects, loads the mirror and starts the watch; fails plainly when no member answers. */
  static async open<Records extends object = Record<string, unknown>>(options: EtcdStoreOptions): Promise<EtcdStore<Records>> {
    const store = new EtcdStore<Records>(options);
    try {
      await store.#startWatch();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async get<K extends keyof Records & string>(kind: K, key: string): Promise<Entry<Records[K]> | undefined> {
    const response = await this.#call("read", () => this.#client.kv.range({ key: Buffer.from(this.#path(kind, key)) }));
    const kv = response.kvs[0];
    return kv ? this.#toEntry<Records[K]>(kv) : undefined;
  }

  async list<K extends keyof Records & string>(kind: K, options: ListOptions = {}): Promise<Entry<Records[K]>[]> {
    const start = this.#path(kind, options.prefix ?? "");
    const response = await this.#call("list", () => this.#client.kv.range({ key: Buffer.from(start), range_end: prefixEnd(start) }));
    return response.kvs.map((kv) => this.#toEntry<Records[K]>(kv));
  }

  /**
   * A kind's entries as the watch has delivered them so far, from memory: no round trip to etcd. A reader that
   * rebuilds on every watch event (the routing table) sees each commit here by the time its listener runs.
   */
  async listCached<K extends keyof Records & string>(kind: K, options: ListOptions = {}): Promise<Entry<Records[K]>[]> {
    const start = this.#path(kind, options.prefix ?? "");
    const entries: Entry<Records[K]>[] = [];
    for (const [path, entry] of this.#mirror.get(kind) ?? []) {
      if (!path.startsWith(start)) continue;
      entries.push({
        kind,
        key: path.slice(this.#prefix.length + kind.length + 1),
        value: entry.value as Records[K],
        createRevision: entry.createRevision,
        modRevision: entry.modRevision,
      });
    }
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async commit(ops: Op[]): Promise<number> {
    if (this.#closed) throw new Error("store is closed");
    const guarded = ops.filter((op) => op.expect !== undefined);
    const compare = guarded.map((op) => compareFor(Buffer.from(this.#path(op.kind, op.key)), op.expect!));
    const success = ops.flatMap((op): IRequestOp[] => {
      const key = Buffer.from(this.#path(op.kind, op.key));
      if (op.type === "put") return [{ request_put: { key, value: Buffer.from(JSON.stringify(op.value)), lease: op.lease ?? 0 } }];
      if (op.type === "delete") return [{ request_delete_range: { key } }];
      return [];
    });
    const failure = guarded.map((op) => ({ request_range: { key: Buffer.from(this.#path(op.kind, op.key)) } }));
    const requestBytes = success.reduce(
      (sum, op) => sum + (op.request_put ? (op.request_put.key as Buffer).length + (op.request_put.value as Buffer).length : 0),
      0,
    );
    const response = await this.#call("commit", () => this.#client.kv.txn({ compare, success, failure }), requestBytes);
    if (!response.succeeded) {
      const applied = appliedByEarlierAttempt(guarded, success, response.responses);
      if (applied !== undefined) return applied;
      // The failure branch read every guarded key, so the first expectation that does not hold is named.
      guarded.forEach((op, index) => {
        const kv = response.responses[index]?.response_range?.kvs[0];
        if (!holds(kv, op.expect!)) throw new StoreConflictError(op.kind, op.key, op.expect!);
      });
      throw new StoreConflictError(guarded[0]!.kind, guarded[0]!.key, guarded[0]!.expect!);
    }
    return Number(response.header.revision);
  }

  watch(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async revision(): Promise<number> {
    const response = await this.#call("read the revision", () =>
      this.#client.kv.range({ key: Buffer.from(this.#prefix), range_end: prefixEnd(this.#prefix), limit: 1, keys_only: true }),
    );
    return Number(response.header.revision);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.cancel().catch(() => undefined);
    this.#client.close();
  }

  async #renew(leaseId: string): Promise<boolean> {
    const stream = await this.#client.leaseClient.leaseKeepAlive();
    try {
      const response = await new Promise<{ TTL: string }>((resolve, reject) => {
        stream.on("data", resolve);
        stream.on("error", reject);
        stream.write({ ID: leaseId });
      });
      return Number(response.TTL) > 0;
    } finally {
      stream.end();
    }
  }

  async #startWatch(): Promise<void> {
    const revision = await this.#resync();
    if (this.#closed) return;
    const watcher = await this.#client
      .watch()
      .prefix(this.#prefix)
      .withPreviousKV()
      .startRevision(String(revision + 1))
      .create();
    this.#watcher = watcher;
    watcher.on("data", (response) => {
      if (this.#watcher !== watcher) return;
      this.#deliver(
        response.events.map((event) => ({ type: event.type === "Delete" || String(event.type) === "1" ? "delete" : "put", kv: event.kv, prev: event.prev_kv })),
      );
    });
    watcher.on("error", (error) => {
      if (this.#watcher !== watcher || this.#closed) return;
      this.#watcher = undefined;
      this.#log?.warn({ err: error }, "the etcd watch ended (compaction or cancel); listing again and watching from the new revision");
      void this.#restartWatch();
    });
  }

  async #restartWatch(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        await this.#startWatch();
        return;
      } catch (error) {
        this.#log?.warn({ err: error }, "could not restart the etcd watch; trying again");
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Lists the prefix, reports how it differs from what listeners were told, and returns the list's revision. */
  async #resync(): Promise<number> {
    const response = await this.#call("list every entry", () => this.#client.kv.range({ key: Buffer.from(this.#prefix), range_end: prefixEnd(this.#prefix) }));
    const revision = Number(response.header.revision);
    const events: ChangeEvent[] = [];
    const seen = new Set<string>();
    for (const kv of response.kvs) {
      const path = kv.key.toString();
      seen.add(path);
      const modRevision = Number(kv.mod_revision);
      const value = JSON.parse(kv.value.toString()) as unknown;
      const name = this.#name(path);
      if (!name) continue;
      if (this.#mirror.get(name.kind)?.get(path)?.modRevision !== modRevision) events.push({ type: "put", kind: name.kind, key: name.key, value, revision });
      this.#remember(name.kind, path, { value, createRevision: Number(kv.create_revision), modRevision });
    }
    for (const [kind, entries] of this.#mirror) {
      for (const [path, entry] of entries) {
        if (seen.has(path)) continue;
        entries.delete(path);
        events.push({ type: "delete", kind, key: this.#name(path)!.key, value: entry.value, revision });
      }
    }
    if (events.length > 0) this.#emit(events);
    return revision;
  }

  #deliver(changes: { type: "put" | "delete"; kv: IKeyValue; prev?: IKeyValue }[]): void {
    let batch: ChangeEvent[] = [];
    let batchRevision = -1;
    for (const change of changes) {
      const revision = Number(change.kv.mod_revision);
      if (revision !== batchRevision && batch.length > 0) {
        this.#emit(batch);
        batch = [];
      }
      batchRevision = revision;
      const path = change.kv.key.toString();
      const name = this.#name(path);
      if (!name) continue;
      if (change.type === "put") {
        const value = JSON.parse(change.kv.value.toString()) as unknown;
        this.#remember(name.kind, path, { value, createRevision: Number(change.kv.create_revision), modRevision: revision });
        batch.push({ type: "put", kind: name.kind, key: name.key, value, revision });
      } else {
        const entries = this.#mirror.get(name.kind);
        const last = change.prev ? (JSON.parse(change.prev.value.toString()) as unknown) : entries?.get(path)?.value;
        entries?.delete(path);
        batch.push({ type: "delete", kind: name.kind, key: name.key, value: last, revision });
      }
    }
    if (batch.length > 0) this.#emit(batch);
  }

  #remember(kind: Kind, path: string, entry: Mirrored): void {
    let entries = this.#mirror.get(kind);
    if (!entries) this.#mirror.set(kind, (entries = new Map()));
    entries.set(path, entry);
  }

  #emit(events: ChangeEvent[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch {
        // A listener's failure must not stop the others; listeners log their own errors.
      }
    }
  }

  async #call<T>(what: string, run: () => Promise<T>, requestBytes?: number): Promise<T> {
    if (this.#closed) throw new Error("store is closed");
    try {
      return await run();
    } catch (error) {
      if (StoreConflictError.is(error)) throw error;
      if (tooLarge(error as Error))
        throw new StoreRequestTooLargeError(
          `etcd refused a ${what} ${requestBytes === undefined ? "" : `of about ${requestBytes} bytes `}as larger than its --max-request-bytes allows (1.5 MiB unless set)`,
          { cause: error },
        );
      if (/too many operations in txn request/.test(String((error as Error).message)))
        throw new Error(
          `etcd refused a commit of more operations than its --max-txn-ops allows (128 unless set): start every etcd member with --max-txn-ops 1024, as deploy/etcd does`,
          { cause: error },
        );
      if (isRecoverableError(error as Error) || /deadline|unavailable|no connection|connect|ECONNREFUSED|circuit/i.test(String((error as Error).message))) {
        throw new StoreUnavailableError(
          `etcd (${this.#endpoints.join(", ")}) did not answer a ${what}: ${(error as Error).message}. Nothing was changed by this call unless it was a write that etcd applied before the connection failed; retry it, and check that a majority of etcd members is running and reachable.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  #path(kind: Kind, key: string): string {
    return `${this.#prefix}${kind}/${key}`;
  }

  #name(path: string): { kind: Kind; key: string } | undefined {
    const rest = path.slice(this.#prefix.length);
    const slash = rest.indexOf("/");
    return slash < 0 ? undefined : { kind: rest.slice(0, slash), key: rest.slice(slash + 1) };
  }

  #toEntry<T>(kv: IKeyValue): Entry<T> {
    const name = this.#name(kv.key.toString())!;
    return {
      kind: name.kind,
      key: name.key,
      value: JSON.parse(kv.value.toString()) as T,
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}

/** etcd refused the request as larger than --max-request-bytes (or gRPC's limit just above it). */
function tooLarge(error: Error): boolean {
  return /request is too large|grpc: received message larger than max/.test(String(error.message));
}

/** A failure of the member or the connection, worth trying again: not a request etcd will refuse however often it is sent. */
function isMemberFailure(error: Error): boolean {
  return isRecoverableError(error) && !tooLarge(error);
}

function compareFor(key: Buffer, expect: Expectation) {
  if ("absent" in expect) return { key, target: "Create" as const, result: "Equal" as const, create_revision: 0 };
  if ("present" in expect) return { key, target: "Create" as const, result: "Greater" as const, create_revision: 0 };
  return { key, target: "Mod" as const, result: "Equal" as const, mod_revision: expect.modRevision };
}

/**
 * etcd3's retry policy sends a txn again after a connection error, though the first attempt may have been
 * applied: a leader that dies after committing never answers. The retry's compare then fails on this
 * commit's own writes. They are recognised by every guarded put's key holding exactly this commit's value,
 * under its lease, all at one revision, every guarded delete's key being gone and every check still holding; the commit was
 * applied at that revision. Anything else is a real conflict.
 */
function appliedByEarlierAttempt(guarded: Op[], success: IRequestOp[], reads: { response_range?: { kvs: IKeyValue[] } | null }[]): number | undefined {
  let revision: number | undefined;
  for (const [index, op] of guarded.entries()) {
    const kv = reads[index]?.response_range?.kvs[0];
    if (op.type === "check") {
      if (!holds(kv, op.expect)) return undefined;
    } else if (op.type === "delete") {
      if (kv !== undefined) return undefined;
    } else {
      const written = success.find(
        (request) => request.request_put && Buffer.compare(Buffer.from(request.request_put.key as Buffer), kv?.key ?? Buffer.alloc(0)) === 0,
      );
      if (!kv || !written?.request_put || Buffer.compare(Buffer.from(kv.value), Buffer.from(written.request_put.value as Buffer)) !== 0) return undefined;
      // A lease decides how long the entry lives: the same value under another lease is not this commit's write.
      if (String(kv.lease) !== String(written.request_put.lease ?? 0)) return undefined;
      if (revision !== undefined && Number(kv.mod_revision) !== revision) return undefined;
      revision = Number(kv.mod_revision);
    }
  }
  return revision;
}

function holds(kv: IKeyValue | undefined, expect: Expectation): boolean {
  if ("absent" in expect) return kv === undefined;
  if ("present" in expect) return kv !== undefined;
  return kv !== undefined && Number(kv.mod_revision) === expect.modRevision;
}

/** The smallest key after every key that starts with prefix (etcd's range_end for a prefix). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
