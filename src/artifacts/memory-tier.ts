import { randomUUID } from "node:crypto";
import { chmod, cp, lstat, mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import { CacheBudget } from "./cache-budget.js";
import { EntryHolders } from "./entry-holders.js";
import { KeyLocks } from "./key-locks.js";
import { exists, treeBytes } from "./tree.js";

export interface MemoryTierOptions {
  /** A directory on a memory file system (tmpfs): what is written there stays in RAM. */
  root: string;
  budgetBytes: number;
  now: () => number;
  /** Gives the tier's root the access copies need (the copy user's group may read it). */
  share: (dir: string) => Promise<void>;
  /** Whether copies (which may run as another user) can read what is under `dir`. */
  readable: (dir: string) => Promise<boolean>;
  log?: Logger;
  /** Called after the entries the tier holds changed. */
  onChange?: () => void;
}

/**
 * The host-memory tier of the artifact cache: copies of disk cache entries on a tmpfs, within a byte
 * budget, least recently used first out. A copy that starts while its artifact is here loads it from
 * RAM: an engine that maps its weights (llama.cpp maps its gguf) maps the tmpfs pages themselves, with
 * no disk read, and neither page-cache pressure nor a cold disk slows the start. An entry is copied here
 * after a copy used it from disk, so the next start (a wake from zero, a scale-out) finds it. An entry a
 * running copy holds is never evicted; every entry here is also in the disk tier, and goes when it does.
 */
export class MemoryTier {
  readonly #options: MemoryTierOptions;
  readonly #entries: string;
  readonly #tmp: string;
  readonly #budget: CacheBudget;
  readonly #holders = new EntryHolders();
  readonly #locks = new KeyLocks();
  readonly #copying = new Set<string>();
  /** False once the root could not be made safely: the tier then holds nothing and the disk tier serves alone. */
  #usable = false;

  constructor(options: MemoryTierOptions) {
    this.#options = options;
    this.#entries = join(options.root, "entries");
    this.#tmp = join(options.root, "tmp");
    this.#budget = new CacheBudget(options.budgetBytes);
  }

  /** Makes the root, keeps the entries of a previous run that the disk tier still has (`keep`), and removes the rest. */
  async start(keep: ReadonlySet<string>): Promise<void> {
    const { root, log } = this.#options;
    try {
      await ownDirectory(root);
      await this.#options.share(root);
      for (const dir of [this.#entries, this.#tmp]) {
        await mkdir(dir, { recursive: true, mode: 0o755 });
        await chmod(dir, dir === this.#tmp ? 0o700 : 0o755);
      }
      if (!(await this.#options.readable(this.#entries)))
        throw new Error(`copies cannot read ${this.#entries}: every directory above it must let the copy user through`);
      for (const name of await readdir(this.#tmp)) await rm(join(this.#tmp, name), { recursive: true, force: true });
      for (const key of await readdir(this.#entries)) {
        const dir = join(this.#entries, key);
        if (keep.has(key)) this.#budget.set(key, await treeBytes(dir), (await stat(dir)).mtimeMs);
        else await rm(dir, { recursive: true, force: true });
      }
      this.#usable = true;
      await this.#trim();
    } catch (error) {
      log?.warn({ err: error }, `the artifact memory tier at ${root} is off: ${(error as Error).message}`);
    }
  }

  /** The entry's directory in memory, held for `holder`, when the tier has it; undefined when it has not. */
  async hold(key: string, holder: string): Promise<string | undefined> {
    if (!this.#usable || !this.#budget.has(key)) return undefined;
    const dir = join(this.#entries, key);
    return this.#locks.run(key, async () => {
      if (!this.#budget.has(key)) return undefined;
      const now = this.#options.now();
      this.#budget.touch(key, now);
      await utimes(dir, now / 1000, now / 1000).catch(() => undefined);
      this.#unused(this.#holders.hold(holder, key));
      return dir;
    });
  }

  /** The holder (and any holder under it, such as a copy's adapters) no longer uses its entries here. */
  release(holder: string): void {
    this.#unused(this.#holders.release(holder));
  }

  /** This holder alone no longer uses its entry here (it now loads from disk, or from a local directory). */
  releaseOnly(holder: string): void {
    this.#unused(this.#holders.releaseOnly(holder));
  }

  /** Copies a disk entry here in the background, when it fits the budget at all; later starts then load from memory. */
  promote(key: string, from: string, bytes: number): void {
    if (!this.#usable || this.#budget.has(key) || this.#copying.has(key) || bytes > this.#budget.budgetBytes) return;
    this.#copying.add(key);
    void this.#locks
      .run(key, async () => {
        const partial = join(this.#tmp, `entry-${randomUUID()}`);
        try {
          await cp(from, partial, { recursive: true, errorOnExist: true, force: false, verbatimSymlinks: true });
          await chmod(partial, 0o755);
          await rename(partial, join(this.#entries, key));
          this.#budget.set(key, bytes, this.#options.now());
        } finally {
          await rm(partial, { recursive: true, force: true });
        }
      })
      .then(() => this.#trim())
      .then(() => this.#options.onChange?.())
      .catch((error) => this.#options.log?.warn({ err: error }, `could not copy artifact cache entry ${key} into host memory`))
      .finally(() => this.#copying.delete(key));
  }

  /** The disk tier evicted the entry: it goes from memory too, unless a copy holds it here. */
  async forget(key: string): Promise<void> {
    if (!this.#budget.has(key)) return;
    await this.#locks.run(key, async () => this.#remove(key));
  }

  /** Keys whose bytes are in memory now. */
  has(key: string): boolean {
    return this.#budget.has(key);
  }

  /** Empties the tier: what it holds is RAM the host gets back once the agent stops. */
  async close(): Promise<void> {
    if (this.#usable) await rm(this.#options.root, { recursive: true, force: true });
    this.#usable = false;
  }

  #unused(keys: string[]): void {
    if (keys.length === 0) return;
    for (const key of keys) this.#budget.touch(key, this.#options.now());
    void this.#trim().catch((error) => this.#options.log?.warn({ err: error }, "could not evict artifact memory tier entries"));
  }

  async #trim(): Promise<void> {
    let evicted = false;
    for (const key of this.#budget.victims((k) => this.#holders.held(k))) {
      await this.#locks.run(key, async () => {
        const bytes = this.#budget.bytesOf(key);
        if (!(await this.#remove(key))) return;
        evicted = true;
        this.#options.log?.info(
          `evicted artifact ${key} from host memory (${mib(bytes)} MiB, no copy maps it) to keep the memory tier within artifacts.memoryBudgetMb (${mib(this.#budget.budgetBytes)} MiB); now ${mib(this.#budget.totalBytes())} MiB`,
        );
      });
    }
    if (evicted) this.#options.onChange?.();
  }

  /** Removes an entry nobody holds; false when it is held or gone. Call under the entry's lock. */
  async #remove(key: string): Promise<boolean> {
    if (this.#holders.held(key) || !this.#budget.has(key)) return false;
    this.#budget.forget(key);
    await rm(join(this.#entries, key), { recursive: true, force: true });
    return true;
  }
}

/**
 * Makes `dir` as this process's own directory, refusing one that exists and is not: a tmpfs such as
 * /dev/shm is writable by every user, who could otherwise plant a link or a directory of their own there.
 */
async function ownDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const info = await lstat(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) throw new Error(`${dir} exists and is not a directory of this process's user`);
  if (!(await exists(dir))) throw new Error(`${dir} cannot be read`);
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
