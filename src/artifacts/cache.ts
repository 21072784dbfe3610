import { randomUUID } from "node:crypto";
import type { Stats } from "node:fs";
import { chmod, mkdir, readdir, realpath, rename, rm, stat, utimes } from "node:fs/promises";
import { basename, join } from "node:path";
import { artifactFailures } from "../domain/errors/artifacts.js";
import type { Logger } from "../util/logger.js";
import { ArtifactError } from "./artifact-error.js";
import { CacheBudget } from "./cache-budget.js";
import { EntryHolders } from "./entry-holders.js";
import { KeyLocks } from "./key-locks.js";
import type { MemoryTier } from "./memory-tier.js";
import { exists, treeBytes } from "./tree.js";
import { download } from "./safe-fetch.js";
import { copyFileArtifact, fileDigest, isArchive, unpackArchive } from "./safe-unpack.js";
import type { ArtifactSettings } from "./settings.js";
import { SourceRecords } from "./source-records.js";
import { checkArtifactUrl, isUnder } from "./url-policy.js";

export interface CacheOptions {
  /** Wall-clock milliseconds: when an entry was last used, kept as its directory's mtime across restarts. */
  now: () => number;
  log?: Logger;
  /** Called after the URLs the cache holds may have changed: a URL's entry was recorded, or an entry was evicted. */
  onChange?: () => void;
  /** The host-memory tier (artifacts.memoryBudgetMb), whose onChange should report too; none keeps entries on disk only. */
  memory?: MemoryTier;
}

export interface EnsureOptions {
  timeoutMs: number;
  /** Who uses the artifact (a copy, or an adapter in a copy); the entry stays while any holder uses it. */
  holder: string;
}

/**
 * Makes model artifacts available as local directories. A local directory is used in place; archives and
 * single files, local or downloaded, become cache entries named by the sha256 of their bytes, so the same
 * bytes at two URLs share one entry and changed bytes at one URL get a new one. An http(s) URL is checked
 * again each time a copy starts (a conditional request when the host sent an ETag or Last-Modified). An
 * entry nobody holds stays while the cache fits artifacts.cacheBudgetMb, so a copy started again (a
 * scale-out from zero) finds its artifact on disk; beyond the budget the least recently used entries
 * nobody holds are evicted. Entries that no component names any more are collected on start. With a
 * memory tier, an entry a copy used is also copied into host memory, and later starts load it from there.
 *
 * Layout of the root: entries/<key>/ (what copies read, 0755), sources/ (what each URL was last),
 * tmp/ (downloads and unpacks in progress).
 */
export class ArtifactCache {
  readonly #root: string;
  readonly #settings: ArtifactSettings;
  readonly #entries: string;
  readonly #tmp: string;
  readonly #sources: SourceRecords;
  readonly #holders = new EntryHolders();
  readonly #locks = new KeyLocks();
  readonly #preparing = new Map<string, Promise<string>>();
  readonly #ready: Promise<void>;
  readonly #budget: CacheBudget;
  /** Entries just filled for a caller that has not held them yet: not to be evicted meanwhile. */
  readonly #fresh = new Set<string>();
  readonly #options: CacheOptions;

  constructor(root: string, settings: ArtifactSettings, options: CacheOptions) {
    this.#options = options;
    this.#budget = new CacheBudget(settings.cacheBudgetMb * 1024 * 1024);
    const entries = join(root, "entries");
    const tmp = join(root, "tmp");
    this.#root = root;
    this.#settings = settings;
    this.#entries = entries;
    this.#tmp = tmp;
    this.#sources = new SourceRecords(join(root, "sources"));
    this.#ready = (async () => {
      await mkdir(root, { recursive: true });
      await chmod(root, 0o755);
      await mkdir(entries, { recursive: true });
      await chmod(entries, 0o755);
      await mkdir(tmp, { recursive: true, mode: 0o700 });
      await mkdir(join(root, "sources"), { recursive: true, mode: 0o700 });
    })();
    this.#ready.catch(() => undefined);
  }

  /** The directory holding the artifact, checked against the settings as they are now. */
  async ensure(url: string, options: EnsureOptions): Promise<string> {
    const verdict = checkArtifactUrl(url, this.#settings);
    if (!verdict.ok) throw new ArtifactError(verdict.problem, true);
    try {
      await this.#ready;
      if (verdict.location.kind === "remote") return await this.#hold(url, options.holder, () => this.#prepareRemote(url, options.timeoutMs));
      const real = await this.#checkedRealPath(url, verdict.location.path);
      const info = await stat(real);
      if (info.isDirectory()) {
        this.#unused(this.#holders.releaseOnly(options.holder));
        this.#options.memory?.releaseOnly(options.holder);
        return real;
      }
      if (!info.isFile()) throw new ArtifactError(artifactFailures.notRegularFile(url), true);
      return await this.#hold(url, options.holder, () => this.#prepareLocal(url, real, info));
    } catch (error) {
      if (error instanceof ArtifactError) throw error;
      throw new ArtifactError(artifactFailures.prepareFailed(url, (error as Error).message), false);
    }
  }

  /** The holder (and any holder under it, such as a copy's adapters) no longer uses its entries. */
  release(holder: string): void {
    this.#unused(this.#holders.release(holder));
    this.#options.memory?.release(holder);
  }

  /** Removes every entry that none of these URLs names and nobody holds, and whatever an earlier run left half done. */
  async collect(keepUrls: Iterable<string>): Promise<void> {
    await this.#ready;
    const keep = new Set(keepUrls);
    // Anything else in the root is an earlier layout's cache (entries named by URL text).
    for (const name of await readdir(this.#root)) if (!layout.has(name)) await rm(join(this.#root, name), { recursive: true, force: true });
    for (const name of await readdir(this.#tmp)) await rm(join(this.#tmp, name), { recursive: true, force: true });
    const keepKeys = new Set<string>();
    for (const record of await this.#sources.list()) {
      if (keep.has(record.url)) keepKeys.add(record.key);
      else await this.#sources.delete(record.url);
    }
    for (const key of await readdir(this.#entries)) {
      if (keepKeys.has(key)) {
        const dir = join(this.#entries, key);
        if (!this.#budget.has(key)) this.#budget.set(key, await treeBytes(dir), (await stat(dir)).mtimeMs);
        continue;
      }
      await this.#locked(key, async () => {
        if (!this.#holders.held(key)) {
          await rm(join(this.#entries, key), { recursive: true, force: true });
          this.#budget.forget(key);
        }
      });
    }
    await this.#trim();
    const keys = new Set((await readdir(this.#entries)).filter((key) => this.#budget.has(key)));
    await this.#options.memory?.start(keys);
  }

  /** The URLs whose bytes this cache holds now, held or not, and those of them in host memory: what the scheduler may prefer this host for. */
  async heldUrls(): Promise<{ urls: string[]; memoryUrls: string[] }> {
    await this.#ready;
    const held = (await this.#sources.list()).filter((r) => this.#budget.has(r.key)).sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    return { urls: held.map((r) => r.url), memoryUrls: held.filter((r) => this.#options.memory?.has(r.key)).map((r) => r.url) };
  }

  async #checkedRealPath(url: string, path: string): Promise<string> {
    const real = await realpath(path).catch((error: NodeJS.ErrnoException) => {
      throw error.code === "ENOENT" || error.code === "ENOTDIR" ? new ArtifactError(artifactFailures.missing(url), false) : error;
    });
    const roots = await Promise.all(this.#settings.localRoots.map((root) => realpath(root).catch(() => undefined)));
    if (!roots.some((root) => root !== undefined && isUnder(real, root)))
      throw new ArtifactError(artifactFailures.escapesRoots(url, real, this.#settings.localRoots), true);
    return real;
  }

  /** Prepares the entry (once for concurrent callers of one URL), then records the holder under the entry's lock. */
  async #hold(url: string, holder: string, prepare: () => Promise<string>): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      let job = this.#preparing.get(url);
      if (!job) {
        job = prepare().finally(() => this.#preparing.delete(url));
        this.#preparing.set(url, job);
      }
      const key = await job;
      const dir = join(this.#entries, key);
      const held = await this.#locked(key, async () => {
        if (!(await exists(dir))) return false;
        this.#fresh.delete(key);
        await this.#markUsed(key, dir);
        this.#unused(this.#holders.hold(holder, key));
        return true;
      });
      if (!held) continue;
      const memory = this.#options.memory;
      const inMemory = await memory?.hold(key, holder);
      if (inMemory !== undefined) return inMemory;
      memory?.releaseOnly(holder);
      memory?.promote(key, dir, this.#budget.bytesOf(key));
      return dir;
    }
    throw new ArtifactError(artifactFailures.vanished(url), false);
  }

  async #prepareLocal(url: string, file: string, info: Stats): Promise<string> {
    const identity = `${file}:${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    const record = await this.#sources.get(url);
    if (record?.identity === identity && (await exists(join(this.#entries, record.key)))) return record.key;
    const name = basename(file);
    const digest = await fileDigest(file);
    const key = entryKey(digest, name);
    await this.#materialize(key, async (dir) => {
      const read = isArchive(name)
        ? await unpackArchive(file, dir, this.#settings, url)
        : await copyFileArtifact(file, dir, safeName(name), this.#settings.maxUnpackedBytes, url);
      if (read !== digest) throw new ArtifactError(artifactFailures.changedWhileReading(url), false);
    });
    await this.#sources.put({ url, key, identity });
    this.#options.onChange?.();
    return key;
  }

  async #prepareRemote(url: string, timeoutMs: number): Promise<string> {
    const record = await this.#sources.get(url);
    const current = record && (await exists(join(this.#entries, record.key))) ? record : undefined;
    const file = join(this.#tmp, `download-${randomUUID()}`);
    try {
      const result = await download(url, file, {
        policy: this.#settings,
        maxBytes: this.#settings.maxDownloadBytes,
        timeoutMs,
        validators: current?.validators,
      });
      if (result.notModified) return current!.key;
      const name = basename(new URL(url).pathname);
      const key = entryKey(result.digest, name);
      await this.#materialize(key, async (dir) => {
        if (isArchive(name)) await unpackArchive(file, dir, this.#settings, url);
        else {
          const target = join(dir, safeName(name));
          await rename(file, target);
          await chmod(target, 0o644);
        }
      });
      const validators = result.validators.etag || result.validators.lastModified ? result.validators : undefined;
      await this.#sources.put({ url, key, validators });
      this.#options.onChange?.();
      return key;
    } finally {
      await rm(file, { force: true });
    }
  }

  /** Fills a new entry in tmp/ and moves it into place whole, unless it is already there. */
  async #materialize(key: string, fill: (dir: string) => Promise<void>): Promise<void> {
    await this.#locked(key, async () => {
      const dir = join(this.#entries, key);
      this.#fresh.add(key);
      if (await exists(dir)) {
        if (!this.#budget.has(key)) this.#budget.set(key, await treeBytes(dir), this.#options.now());
        return;
      }
      const partial = join(this.#tmp, `entry-${randomUUID()}`);
      await mkdir(partial, { mode: 0o755 });
      try {
        await fill(partial);
        await chmod(partial, 0o755);
        const bytes = await treeBytes(partial);
        await rename(partial, dir);
        this.#budget.set(key, bytes, this.#options.now());
      } catch (error) {
        await rm(partial, { recursive: true, force: true });
        throw error;
      }
    });
  }

  /** Entries that lost their last holder: last used now, and evictable. */
  #unused(keys: string[]): void {
    if (keys.length === 0) return;
    for (const key of keys) this.#budget.touch(key, this.#options.now());
    void this.#trim().catch((error) => this.#options.log?.warn({ err: error }, "could not evict artifact cache entries"));
  }

  async #markUsed(key: string, dir: string): Promise<void> {
    const now = this.#options.now();
    this.#budget.touch(key, now);
    await utimes(dir, now / 1000, now / 1000).catch(() => undefined);
  }

  /** Evicts the least recently used entries nobody holds until the cache fits its budget. */
  async #trim(): Promise<void> {
    const budget = this.#budget;
    const held = (key: string) => this.#holders.held(key) || this.#fresh.has(key);
    let evicted = false;
    for (const key of budget.victims(held)) {
      await this.#locked(key, async () => {
        if (held(key) || !budget.has(key)) return;
        const bytes = budget.bytesOf(key);
        await rm(join(this.#entries, key), { recursive: true, force: true });
        budget.forget(key);
        await this.#options.memory?.forget(key);
        evicted = true;
        this.#options.log?.info(
          `evicted artifact cache entry ${key} (${mib(bytes)} MiB, no copy uses it) to keep the cache within artifacts.cacheBudgetMb (${mib(budget.budgetBytes)} MiB); now ${mib(budget.totalBytes())} MiB`,
        );
      });
    }
    if (evicted) this.#options.onChange?.();
  }

  /** Runs fn after every earlier job on the same entry, so filling, holding and removing one entry never interleave. */
  #locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(key, fn);
  }
}

const layout = new Set(["entries", "sources", "tmp"]);

/** Archives are named by their digest alone; a single file's name is part of what a copy sees, so it joins the key. */
function entryKey(digest: string, name: string): string {
  return isArchive(name) ? digest : `${digest}-${safeName(name)}`;
}

function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
  return safe === "" || /^\.+$/.test(safe) ? "artifact" : safe;
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
