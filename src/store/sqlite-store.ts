import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { StorageFaultError, StorageHealth } from "./storage-fault.js";
import {
  StoreConflictError,
  type ChangeEvent,
  type ChangeListener,
  type Entry,
  type Expectation,
  type Kind,
  type ListOptions,
  type Op,
  type Store,
} from "./store.js";

interface Row {
  kind: Kind;
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

const schema = `
CREATE TABLE IF NOT EXISTS entries (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO revision (id, value) VALUES (1, 0);
`;

/**
 * The default store: one SQLite file in WAL mode with synchronous=FULL, so a commit that has returned
 * survives kill -9 and power loss. Every commit is one transaction. A full, read-only or damaged data
 * directory raises StorageFaultError; a failed commit changes nothing, and the store works again once
 * the fault is fixed.
 */
export class SqliteStore<Records extends object = Record<string, unknown>> implements Store<Records> {
  readonly #db: Database.Database;
  readonly #listeners = new Set<ChangeListener>();
  readonly #statements;
  readonly #health: StorageHealth;
  #closed = false;

  constructor(path: string, options: { health?: StorageHealth } = {}) {
    this.#health = options.health ?? new StorageHealth({ dataDir: dirname(path) });
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
      // SQLite quietly opens a file it may not write read-only; Berth must write, so that is a fault now rather than at the first request.
      if (this.#db.readonly) throw Object.assign(new Error("database opened read-only"), { code: "SQLITE_READONLY" });
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = FULL");
      this.#db.pragma("busy_timeout = 5000");
      this.#db.exec(schema);
      this.#db.exec("UPDATE revision SET value = value WHERE id = 1");
    } catch (error) {
      throw StorageFaultError.from(error, this.#health.dataDir) ?? error;
    }
    this.#statements = {
      get: this.#db.prepare<[string, string], Row>("SELECT * FROM entries WHERE kind = ? AND key = ?"),
      list: this.#db.prepare<[string], Row>("SELECT * FROM entries WHERE kind = ? ORDER BY key"),
      listPrefix: this.#db.prepare<[string, string, string], Row>("SELECT * FROM entries WHERE kind = ? AND key >= ? AND key < ? ORDER BY key"),
      upsert: this.#db.prepare(
        "INSERT INTO entries (kind, key, value, create_rev, mod_rev) VALUES (@kind, @key, @value, @rev, @rev) " +
          "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev",
      ),
      delete: this.#db.prepare("DELETE FROM entries WHERE kind = ? AND key = ?"),
      revision: this.#db.prepare<[], { value: number }>("SELECT value FROM revision WHERE id = 1"),
      setRevision: this.#db.prepare("UPDATE revision SET value = ? WHERE id = 1"),
    };
  }

  async get<K extends keyof Records & string>(kind: K, key: string): Promise<Entry<Records[K]> | undefined> {
    const row = this.#guard(() => this.#statements.get.get(kind, key));
    return row ? toEntry<Records[K]>(row) : undefined;
  }

  async list<K extends keyof Records & string>(kind: K, options: ListOptions = {}): Promise<Entry<Records[K]>[]> {
    const rows = this.#guard(() =>
      options.prefix ? this.#statements.listPrefix.all(kind, options.prefix, options.prefix + "\uffff") : this.#statements.list.all(kind),
    );
    return rows.map((row) => toEntry<Records[K]>(row));
  }

  async commit(ops: Op[]): Promise<number> {
    if (this.#closed) throw new Error("store is closed");
    if (ops.some((op) => op.type === "put" && op.lease !== undefined))
      throw new Error("the SQLite store holds no leases; leased entries need --store etcd://…");
    const events: ChangeEvent[] = [];
    const run = this.#db.transaction((): number => {
      const revision = this.#statements.revision.get()!.value + 1;
      for (const op of ops) {
        const current = this.#statements.get.get(op.kind, op.key);
        if (op.expect && !satisfies(current, op.expect)) throw new StoreConflictError(op.kind, op.key, op.expect);
        if (op.type === "put") {
          this.#statements.upsert.run({ kind: op.kind, key: op.key, value: JSON.stringify(op.value), rev: revision });
          events.push({ type: "put", kind: op.kind, key: op.key, value: op.value, revision });
        } else if (op.type === "delete" && current) {
          this.#statements.delete.run(op.kind, op.key);
          events.push({ type: "delete", kind: op.kind, key: op.key, value: JSON.parse(current.value), revision });
        }
      }
      this.#statements.setRevision.run(revision);
      return revision;
    });
    const revision = this.#guard(() => run.immediate());
    this.#health.succeeded();
    if (events.length > 0) this.#emit(events);
    return revision;
  }

  watch(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async revision(): Promise<number> {
    return this.#guard(() => this.#statements.revision.get()!.value);
  }

  /** Storage errors become StorageFaultError (logged once by the health tracker); a conflict or bug passes through. */
  #guard<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw this.#health.failed(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#db.close();
  }

  #emit(events: ChangeEvent[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch {
        // A listener's failure must not undo or hide a durable commit; listeners log their own errors.
      }
    }
  }
}

function satisfies(row: Row | undefined, expect: Expectation): boolean {
  if ("absent" in expect) return row === undefined;
  if ("present" in expect) return row !== undefined;
  return row !== undefined && row.mod_rev === expect.modRevision;
}

function toEntry<T>(row: Row): Entry<T> {
  return { kind: row.kind, key: row.key, value: JSON.parse(row.value) as T, createRevision: row.create_rev, modRevision: row.mod_rev };
}
