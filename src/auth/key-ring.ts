import { statSync, watch, type FSWatcher } from "node:fs";
import type { Logger } from "../util/logger.js";
import { credentialsFileName, credentialsPath, readKeys, type StoredKey } from "./keys-file.js";
import { CompiledPolicy } from "./policy.js";

export interface ActiveKey {
  accessKeyId: string;
  secretAccessKey: string;
  name: string;
  policy: CompiledPolicy;
}

/**
 * The keys a running server accepts. `berth keys create|delete` rewrite the file; the ring re-reads it when
 * the data dir's watcher sees it change, and when an unknown key arrives and the file's stamp moved (a
 * watcher can miss events on some filesystems).
 */
export class KeyRing {
  readonly #dataDir: string;
  readonly #log: Logger;
  #keys = new Map<string, ActiveKey>();
  #stamp = "";
  #watcher?: FSWatcher;
  #listeners: (() => void)[] = [];

  constructor(dataDir: string, log: Logger) {
    this.#dataDir = dataDir;
    this.#log = log;
    this.#load(readKeys(dataDir));
    try {
      this.#watcher = watch(dataDir, { persistent: false }, (_event, file) => {
        if (file === null || file === credentialsFileName) this.#reloadIfChanged();
      });
    } catch (error) {
      log.warn({ err: error }, "cannot watch the data dir; key changes are picked up when an unknown key is used");
    }
  }

  get(accessKeyId: string): ActiveKey | undefined {
    const key = this.#keys.get(accessKeyId);
    if (key) return key;
    this.#reloadIfChanged();
    return this.#keys.get(accessKeyId);
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Called after every reload: cached signing keys of deleted keys must go. */
  onReload(listener: () => void): void {
    this.#listeners.push(listener);
  }

  close(): void {
    this.#watcher?.close();
  }

  #reloadIfChanged(): void {
    if (this.#currentStamp() === this.#stamp) return;
    try {
      this.#load(readKeys(this.#dataDir));
      this.#log.info({ keys: this.#keys.size }, `credentials file changed; ${this.#keys.size} key(s) active`);
    } catch (error) {
      this.#stamp = this.#currentStamp();
      this.#log.error(`${(error as Error).message} Keeping the keys loaded before.`);
    }
  }

  #load(keys: StoredKey[]): void {
    this.#stamp = this.#currentStamp();
    this.#keys = new Map(
      keys.map((k) => [k.accessKeyId, { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey, name: k.name, policy: new CompiledPolicy(k.policy) }]),
    );
    for (const listener of this.#listeners) listener();
  }

  #currentStamp(): string {
    try {
      const stat = statSync(credentialsPath(this.#dataDir));
      return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      return "absent";
    }
  }
}
