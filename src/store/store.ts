/**
 * Versioned key/value entries grouped by kind, with atomic multi-key commits and compare-and-set. The
 * store knows nothing of Berth's records: `Records` maps each kind to its value type (src/state says
 * which kinds Berth has). SQLite is the one backend today; test/store/contract.ts is the suite every
 * backend must pass.
 */
export type Kind = string;

export interface Entry<T = unknown> {
  kind: Kind;
  key: string;
  value: T;
  /** Store revision at which this key was created. */
  createRevision: number;
  /** Store revision of the last change to this key; compare-and-set uses it. */
  modRevision: number;
}

/** An entry as a reader keeps it: enough to read its value and to commit on it. */
export type ReadEntry<T = unknown> = Pick<Entry<T>, "key" | "value" | "modRevision">;

/** A condition on a key: "absent", "present", or "unchanged since modRevision". */
export type Expectation = { absent: true } | { present: true } | { modRevision: number };

export type Op =
  /** `lease`: the entry is deleted when that lease expires or is revoked (backends with `leases` only). */
  | { type: "put"; kind: Kind; key: string; value: unknown; expect?: Expectation; lease?: string }
  | { type: "delete"; kind: Kind; key: string; expect?: Expectation }
  | { type: "check"; kind: Kind; key: string; expect: Expectation };

export interface ChangeEvent<T = unknown> {
  type: "put" | "delete";
  kind: Kind;
  key: string;
  /** The new value for a put; the last value for a delete. */
  value: T;
  revision: number;
}

export type ChangeListener = (events: ChangeEvent[]) => void;

export interface ListOptions {
  prefix?: string;
}

export interface Store<Records extends object = Record<string, unknown>> {
  get<K extends keyof Records & string>(kind: K, key: string): Promise<Entry<Records[K]> | undefined>;
  list<K extends keyof Records & string>(kind: K, options?: ListOptions): Promise<Entry<Records[K]>[]>;
  /** Applies every op atomically or none; throws StoreConflictError when an expectation fails. Durable on return. */
  commit(ops: Op[]): Promise<number>;
  /** Calls the listener with the events of each commit, in commit order, after it is durable. */
  watch(listener: ChangeListener): () => void;
  revision(): Promise<number>;
  close(): Promise<void>;
  /**
   * A kind's entries as this store's watch has delivered them, from memory (etcd keeps such a mirror; SQLite
   * reads are local anyway and have none). For readers driven by watch events, which must not pay a round
   * trip per event.
   */
  listCached?<K extends keyof Records & string>(kind: K, options?: ListOptions): Promise<Entry<Records[K]>[]>;
  /** Present on backends that hold leases (etcd); SQLite has none and refuses a put with a lease. */
  readonly leases?: Leases;
}

/** Time-limited grants: entries put with a lease vanish (with a delete event) when it expires or is revoked. */
export interface Leases {
  /** A new lease, alive for ttlSeconds unless renewed. Returns its id. */
  grant(ttlSeconds: number): Promise<string>;
  /** Renews the lease once; false when it has already expired or been revoked. */
  renew(leaseId: string): Promise<boolean>;
  /** Ends the lease now, deleting its entries. Revoking an expired lease is not an error. */
  revoke(leaseId: string): Promise<void>;
}

export class StoreConflictError extends Error {
  readonly kind: Kind;
  readonly key: string;

  constructor(kind: Kind, key: string, expectation: Expectation) {
    super(`store conflict on ${kind}/${key}: expected ${JSON.stringify(expectation)}`);
    this.name = "StoreConflictError";
    this.kind = kind;
    this.key = key;
  }

  static is(value: unknown): value is StoreConflictError {
    return value instanceof Error && value.name === "StoreConflictError";
  }
}

export const put = (kind: Kind, key: string, value: unknown, expect?: Expectation, lease?: string): Op =>
  lease === undefined ? { type: "put", kind, key, value, expect } : { type: "put", kind, key, value, expect, lease };
export const del = (kind: Kind, key: string, expect?: Expectation): Op => ({ type: "delete", kind, key, expect });
export const check = (kind: Kind, key: string, expect: Expectation): Op => ({ type: "check", kind, key, expect });

/** The expectation that an entry is unchanged since it was read. */
export function unchanged(entry: Pick<Entry, "modRevision">): Expectation {
  return { modRevision: entry.modRevision };
}

export const absent: Expectation = { absent: true };

/** The store could not be reached (etcd without a quorum, or not answering): retry later; routers keep their last table. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }

  static is(value: unknown): value is StoreUnavailableError {
    return value instanceof Error && value.name === "StoreUnavailableError";
  }
}

/**
 * The store refused a write as too large (etcd's --max-request-bytes, 1.5 MiB by default): nothing was written,
 * and sending it again cannot succeed. The APIs answer it as a ValidationException naming the size.
 */
export class StoreRequestTooLargeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreRequestTooLargeError";
  }

  static is(value: unknown): value is StoreRequestTooLargeError {
    return value instanceof Error && value.name === "StoreRequestTooLargeError";
  }
}
