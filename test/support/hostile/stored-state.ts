import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { join } from "node:path";

/**
 * A read-only view of a running server's berth.db (WAL lets a reader in beside the server): a digest of
 * every stored entry and the store's revision, which every commit moves on.
 */
export class StoredState {
  readonly #db: Database.Database;
  readonly #rows;
  readonly #revision;

  constructor(dataDir: string) {
    this.#db = new Database(join(dataDir, "berth.db"), { readonly: true, fileMustExist: true });
    this.#rows = this.#db.prepare<[], { kind: string; key: string; value: string; mod_rev: number }>(
      "SELECT kind, key, value, mod_rev FROM entries ORDER BY kind, key",
    );
    this.#revision = this.#db.prepare<[], { value: number }>("SELECT value FROM revision WHERE id = 1");
  }

  snapshot(): { revision: number; digest: string; entries: number } {
    const read = this.#db.transaction(() => ({ revision: this.#revision.get()!.value, rows: this.#rows.all() }));
    const { revision, rows } = read();
    const hash = createHash("sha256");
    for (const row of rows) hash.update(`${row.kind}\u0000${row.key}\u0000${row.mod_rev}\u0000${row.value}\u0001`);
    return { revision, digest: hash.digest("hex"), entries: rows.length };
  }

  close(): void {
    this.#db.close();
  }
}
